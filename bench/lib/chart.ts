// A hand-written SVG: cumulative distributions of per-token latency on a log-scale axis.

export interface ChartSeries {
  label: string;
  color: string;
  dashed?: boolean;
  values: number[];
}

export interface ChartPanel {
  title: string;
  series: ChartSeries[];
}

const W = 1040;
const PANEL_H = 330;
const LEGEND_W = 330;
const M = { left: 64, right: 16, top: 56, bottom: 48 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmtMs(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  if (ms >= 1) return `${ms} ms`;
  return `${ms * 1000} µs`;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(s.length * q) - 1)] ?? NaN;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

export function cdfChart(title: string, subtitle: string, panels: ChartPanel[]): string {
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.values)).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const plotW = W - M.left - M.right - LEGEND_W;
  const plotH = PANEL_H - M.top - M.bottom;
  const x = (v: number) => M.left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const height = 60 + panels.length * PANEL_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${M.left}" y="24" font-size="17" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left}" y="44" fill="#555">${esc(subtitle)}</text>`,
  ];
  panels.forEach((panel, pi) => {
    const top = 60 + pi * PANEL_H;
    const y = (f: number) => top + M.top + (1 - f) * plotH;
    out.push(`<g>`);
    out.push(`<text x="${M.left}" y="${top + 30}" font-size="14" font-weight="bold">${esc(panel.title)}</text>`);
    // grid: 1-2-5 per decade on x, quarters on y
    for (let d = lo; d <= hi; d *= 10) {
      for (const m of [1, 2, 5]) {
        const v = d * m;
        if (v > hi) break;
        const major = m === 1;
        out.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${y(0)}" y2="${y(1)}" stroke="${major ? '#ccc' : '#eee'}"/>`);
        out.push(`<text x="${x(v).toFixed(1)}" y="${y(0) + 16}" text-anchor="middle" fill="${major ? '#333' : '#888'}">${esc(fmtMs(Number(v.toPrecision(3))))}</text>`);
      }
    }
    for (const f of [0, 0.25, 0.5, 0.75, 0.95, 1]) {
      out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(f).toFixed(1)}" y2="${y(f).toFixed(1)}" stroke="${f === 0.5 || f === 0.95 ? '#bbb' : '#eee'}"${f === 0.95 ? ' stroke-dasharray="2 3"' : ''}/>`);
      if (f === 0.95) out.push(`<text x="${M.left + plotW - 4}" y="${(y(f) + 12).toFixed(1)}" text-anchor="end" fill="#888" font-size="10">p95</text>`);
      else out.push(`<text x="${M.left - 8}" y="${(y(f) + 4).toFixed(1)}" text-anchor="end" fill="#555">${Math.round(f * 100)}%</text>`);
    }
    out.push(`<rect x="${M.left}" y="${y(1)}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
    out.push(`<text x="${M.left + plotW / 2}" y="${y(0) + 36}" text-anchor="middle" fill="#333">latency per token (log scale)</text>`);
    out.push(`<text transform="translate(16 ${y(0.5)}) rotate(-90)" text-anchor="middle" fill="#333">share of tokens at or below</text>`);
    panel.series.forEach((s, si) => {
      if (s.values.length === 0) return;
      const sorted = [...s.values].sort((a, b) => a - b);
      const pts: string[] = [`${x(sorted[0]!).toFixed(1)},${y(0).toFixed(1)}`];
      sorted.forEach((v, i) => {
        pts.push(`${x(v).toFixed(1)},${y(i / sorted.length).toFixed(1)}`, `${x(v).toFixed(1)},${y((i + 1) / sorted.length).toFixed(1)}`);
      });
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} points="${pts.join(' ')}"/>`);
      // Legend to the right of the plot, with each series' median.
      const lx = M.left + plotW + 20;
      const ly = y(1) + 14 + si * 40;
      out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
      out.push(`<text x="${lx + 32}" y="${ly}" fill="#222">${esc(s.label)}</text>`);
      out.push(`<text x="${lx + 32}" y="${ly + 16}" fill="#666">${esc(`p50 ${median(s.values).toFixed(1)} ms · p99 ${quantile(s.values, 0.99).toFixed(1)} ms · n=${s.values.length}`)}</text>`);
    });
    out.push(`</g>`);
  });
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}
