// Each Slack listener callback on its own, with fake ack/respond/client and the use cases over
// in-memory fakes: it acknowledges first, then answers where Slack expects the answer.
import type { WebClient } from '@slack/web-api';
import { extendClick, revokeClick, showAgainClick, type ButtonArgs } from '../../src/slack/actions/grant-buttons';
import { approveClick, cancelClick, denyClick } from '../../src/slack/actions/request-buttons';
import { karporTokenCommand, type CommandArgs } from '../../src/slack/commands/karpor-token';
import { homeOpened, roleClick, type HomeOpenedArgs } from '../../src/slack/events/app-home';
import { FIELD, VIEW } from '../../src/slack/messages/ids';
import { WorkQueue } from '../../src/slack/work-queue';
import { denyReasonSubmitted, reasonSubmitted, type SubmitArgs } from '../../src/slack/views/request-views';
import { Replies, U, world, type World } from './fakes';

/** What the listener did, in order: acks, answers through respond(), modals opened. */
class Slack {
  readonly events: string[] = [];
  readonly acks: unknown[] = [];
  readonly responses: Array<Record<string, unknown>> = [];
  readonly modals: Array<{ trigger_id: string; view: { callback_id?: string; private_metadata?: string } }> = [];
  readonly dm = new Replies();
  respondFails = false;

  readonly ack = async (answer?: unknown) => {
    this.events.push('ack');
    this.acks.push(answer);
  };
  readonly respond = async (message: Record<string, unknown>) => {
    this.events.push('respond');
    if (this.respondFails) throw new Error('response_url expired');
    this.responses.push(message);
  };
  readonly client = {
    views: {
      open: async (args: Slack['modals'][number]) => {
        this.events.push('views.open');
        this.modals.push(args);
        return { ok: true };
      },
    },
  } as unknown as WebClient;

  texts(): string[] {
    return this.responses.map((r) => String(r.text));
  }
}

function depsOf(w: World, slack: Slack) {
  return { service: w.service, approvals: w.approvals, client: slack.client, replyInDm: () => slack.dm.reply };
}

function command(slack: Slack, userId: string, text: string): CommandArgs {
  return { command: { user_id: userId, text, trigger_id: 'trigger-1' }, ack: slack.ack, respond: slack.respond } as unknown as CommandArgs;
}

function click(slack: Slack, userId: string, value: string): ButtonArgs {
  return { body: { user: { id: userId }, trigger_id: 'trigger-2' }, action: { value }, ack: slack.ack, respond: slack.respond } as unknown as ButtonArgs;
}

function submit(slack: Slack, userId: string, reason: string, metadata: object): SubmitArgs {
  const values = { [FIELD.reason.block]: { [FIELD.reason.action]: { value: reason } } };
  return { body: { user: { id: userId } }, view: { state: { values }, private_metadata: JSON.stringify(metadata) }, ack: slack.ack } as unknown as SubmitArgs;
}

describe('/karpor-token', () => {
  const queue = new WorkQueue(8);

  test('acknowledged before anything else; the answer is ephemeral where it was typed, the token in the DM', async () => {
    const w = world();
    const slack = new Slack();
    const observed: string[] = [];
    await karporTokenCommand({ ...depsOf(w, slack), queue, observe: (result) => void observed.push(result) })(command(slack, U.eng, 'guest 2h'));
    expect(slack.events).toEqual(['ack', 'respond']);
    expect(slack.acks).toEqual([undefined]);
    expect(slack.responses).toEqual([{ response_type: 'ephemeral', replace_original: false, text: expect.stringMatching(/^Your `guest` token is in your DM with me/) }]);
    expect(w.notifier.deliveries.map((d) => d.grant.userId)).toEqual([U.eng]);
    expect(observed).toEqual(['issued']);
  });

  test('a role that needs a reason opens the reason modal, for the click that asked', async () => {
    const w = world();
    const slack = new Slack();
    await karporTokenCommand({ ...depsOf(w, slack), queue })(command(slack, U.plat, 'admin 1h'));
    expect(slack.events).toEqual(['ack', 'views.open']);
    expect(slack.modals).toEqual([{ trigger_id: 'trigger-1', view: expect.objectContaining({ callback_id: VIEW.reason }) }]);
    expect(JSON.parse(slack.modals[0]!.view.private_metadata!)).toEqual({ role: 'admin', seconds: 3600 });
    expect(w.notifier.deliveries).toEqual([]);
  });

  test('when the response URL fails, the answer goes to the DM instead', async () => {
    const w = world();
    const slack = new Slack();
    slack.respondFails = true;
    await karporTokenCommand({ ...depsOf(w, slack), queue })(command(slack, U.eng, 'status'));
    expect(slack.events).toEqual(['ack', 'respond']);
    expect(slack.dm.texts).toEqual(['You have no active Karpor grants.']);
  });

  test('bad input: acknowledged, told what is wrong, nothing issued', async () => {
    const w = world();
    const slack = new Slack();
    await karporTokenCommand({ ...depsOf(w, slack), queue })(command(slack, U.eng, 'guest 2h extra'));
    expect(slack.events).toEqual(['ack', 'respond']);
    expect(slack.texts()[0]).toMatch(/^Unexpected "extra" after the duration/);
    expect(w.hub.callsOf('issue')).toEqual([]);
  });
});

describe('grant buttons', () => {
  test('"Show token again" on someone else\'s grant: acknowledged, refused, nothing delivered', async () => {
    const w = world();
    w.hub.add({ id: 'g1', userId: U.eng2, role: 'guest' });
    const slack = new Slack();
    await showAgainClick(depsOf(w, slack))(click(slack, U.eng, 'g1'));
    expect(slack.events).toEqual(['ack', 'respond']);
    expect(slack.texts()).toEqual(['That grant does not exist any more, or it is not yours.']);
    expect(w.notifier.deliveries).toEqual([]);
  });

  test('"Revoke now" by the owner: the grant goes, and the card loses its buttons', async () => {
    const w = world();
    w.hub.add({ id: 'g1', userId: U.eng, role: 'guest' });
    const slack = new Slack();
    await revokeClick(depsOf(w, slack))(click(slack, U.eng, 'g1'));
    expect(slack.events).toEqual(['ack', 'respond', 'respond']);
    expect(slack.texts()[0]).toMatch(/^Revoked grant `g1` \(guest\)/);
    expect(slack.responses[1]).toMatchObject({ replace_original: true });
    expect(JSON.stringify(slack.responses[1])).not.toContain('"actions"');
    expect(await w.hub.grant('g1')).toBeUndefined();
  });

  test('"Extend" asks for the same role again, through the whole policy', async () => {
    const w = world();
    w.hub.add({ id: 'g1', userId: U.eng, role: 'guest' });
    const slack = new Slack();
    await extendClick(depsOf(w, slack))(click(slack, U.eng, 'g1'));
    expect(slack.events).toEqual(['ack', 'respond']);
    expect(slack.texts()[0]).toMatch(/^Your `guest` token is in your DM with me/);
    expect(w.notifier.deliveries).toHaveLength(1);
  });
});

describe('request buttons', () => {
  test('Approve on a request that does not exist: acknowledged and told so', async () => {
    const w = world();
    const slack = new Slack();
    await approveClick(depsOf(w, slack))(click(slack, U.appr1, 'req-nope'));
    expect(slack.events).toEqual(['ack', 'respond']);
    expect(slack.texts()).toEqual(['That request does not exist.']);
  });

  test('Deny opens the deny-reason modal for that request', async () => {
    const w = world();
    const slack = new Slack();
    await denyClick(depsOf(w, slack))(click(slack, U.appr1, 'req0000001'));
    expect(slack.events).toEqual(['ack', 'views.open']);
    expect(slack.modals[0]).toMatchObject({ trigger_id: 'trigger-2', view: { callback_id: VIEW.denyReason } });
    expect(JSON.parse(slack.modals[0]!.view.private_metadata!)).toEqual({ requestId: 'req0000001' });
  });

  test('Cancel by someone other than the requester is refused', async () => {
    const w = world();
    const slack = new Slack();
    const opened = new Replies();
    await w.approvals.request(U.plat, { role: 'admin', reason: 'incident' }, opened.reply);
    const [request] = await w.store.all();
    await cancelClick(depsOf(w, slack))(click(slack, U.eng, request!.id));
    expect(slack.texts()).toEqual(['Only the person who asked can cancel this request.']);
    expect((await w.store.get(request!.id))!.state).toBe('pending');
  });
});

describe('modals', () => {
  test('a reason left empty keeps the modal open with the field marked; nothing else happens', async () => {
    const w = world();
    const slack = new Slack();
    await reasonSubmitted(depsOf(w, slack))(submit(slack, U.plat, '   ', { role: 'admin', seconds: 3600 }));
    expect(slack.acks).toEqual([{ response_action: 'errors', errors: { [FIELD.reason.block]: 'Say why you need access.' } }]);
    expect(await w.store.all()).toEqual([]);
  });

  test('a reason given opens the request; the answer goes to the DM (a modal has no response URL)', async () => {
    const w = world();
    const slack = new Slack();
    await reasonSubmitted(depsOf(w, slack))(submit(slack, U.plat, 'incident 42', { role: 'admin', seconds: 3600 }));
    expect(slack.acks).toEqual([undefined]);
    const [request] = await w.store.all();
    expect(request).toMatchObject({ requester: U.plat, role: 'admin', seconds: 3600, reason: 'incident 42', state: 'pending' });
    expect(slack.dm.all).toEqual([{ kind: 'request-pending', request: expect.objectContaining({ id: request!.id }) }]);
  });

  test('a deny without a reason keeps the modal open', async () => {
    const w = world();
    const slack = new Slack();
    await denyReasonSubmitted(depsOf(w, slack))(submit(slack, U.appr1, '', { requestId: 'req0000001' }));
    expect(slack.acks).toEqual([{ response_action: 'errors', errors: { [FIELD.reason.block]: 'Tell the requester why.' } }]);
  });

  test('a deny with a reason denies the request and the requester is told why', async () => {
    const w = world();
    const slack = new Slack();
    await w.approvals.request(U.plat, { role: 'admin', reason: 'incident' }, new Replies().reply);
    const [request] = await w.store.all();
    await denyReasonSubmitted(depsOf(w, slack))(submit(slack, U.appr1, 'not during the freeze', { requestId: request!.id }));
    expect((await w.store.get(request!.id))!.state).toBe('denied');
    expect(w.notifier.toldTo(U.plat).join('\n')).toContain('not during the freeze');
    expect(slack.dm.texts).toEqual(['Denied; the requester has been told why.']);
  });
});

describe('the Home tab', () => {
  const homeDeps = (w: World, slack: Slack, published: string[], errors: unknown[] = []) => ({
    ...depsOf(w, slack),
    homes: { open: async (userId: string) => void published.push(userId) },
    onError: (err: unknown) => void errors.push(err),
  });

  test('app_home_opened publishes the Home of who opened it, and only for the Home tab', async () => {
    const w = world();
    const published: string[] = [];
    const opened = homeOpened(homeDeps(w, new Slack(), published));
    await opened({ event: { type: 'app_home_opened', user: U.eng, channel: 'D1', tab: 'home', event_ts: '1' } } as HomeOpenedArgs);
    await opened({ event: { type: 'app_home_opened', user: U.plat, channel: 'D2', tab: 'messages', event_ts: '2' } } as HomeOpenedArgs);
    expect(published).toEqual([U.eng]);
  });

  test('a failed publish is reported, not thrown', async () => {
    const w = world();
    const errors: unknown[] = [];
    const deps = { ...homeDeps(w, new Slack(), [], errors), homes: { open: async () => Promise.reject(new Error('views.publish failed')) } };
    await homeOpened(deps)({ event: { type: 'app_home_opened', user: U.eng, channel: 'D1', tab: 'home', event_ts: '1' } } as HomeOpenedArgs);
    expect(errors).toHaveLength(1);
  });

  test('a role button asks as the command would: guest is issued, answered in the DM (the Home has no response URL)', async () => {
    const w = world();
    const slack = new Slack();
    await roleClick(homeDeps(w, slack, []))({ ...click(slack, U.eng, 'guest'), respond: undefined } as unknown as ButtonArgs);
    expect(slack.events).toEqual(['ack']);
    expect(w.notifier.deliveries.map((d) => d.grant.role)).toEqual(['guest']);
    expect(slack.dm.lastText()).toMatch(/Your `guest` token is in your DM/);
  });

  test('a role button for a role that needs a reason opens the reason form; a forged value does nothing', async () => {
    const w = world();
    const slack = new Slack();
    await roleClick(homeDeps(w, slack, []))({ ...click(slack, U.plat, 'admin'), respond: undefined } as unknown as ButtonArgs);
    expect(slack.modals.map((m) => m.view.callback_id)).toEqual([VIEW.reason]);
    // A forged value is a role name like any other, never a command.
    const grant = w.hub.add({ id: 'g0000forge', userId: U.plat, role: 'guest' });
    await roleClick(homeDeps(w, slack, []))({ ...click(slack, U.plat, 'revoke'), respond: undefined } as unknown as ButtonArgs);
    expect(w.hub.revoked).toEqual([]);
    expect(w.hub.grantsById.has(grant.id)).toBe(true);
    expect(slack.dm.lastText()).toMatch(/There is no role "revoke"/);
  });

  test('"Revoke now" clicked on the Home tab revokes and answers in the DM, with no card to redraw', async () => {
    const w = world();
    const slack = new Slack();
    const grant = w.hub.add({ id: 'g00000home', userId: U.eng, role: 'guest' });
    await revokeClick(depsOf(w, slack))({ ...click(slack, U.eng, grant.id), respond: undefined } as unknown as ButtonArgs);
    expect(w.hub.revoked).toEqual([grant.id]);
    expect(slack.dm.lastText()).toMatch(/Revoked grant `g00000home`/);
  });
});
