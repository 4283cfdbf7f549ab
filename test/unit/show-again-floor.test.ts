import { tokenMessage } from '../../src/slack/messages/token';
import { MIN, U, world } from './fakes';

/** "Show token again" near a grant's end: the hub's 10-minute floor makes the token outlast the grant, and the DM says so. */
describe('a token shown again in the last 10 minutes of its grant', () => {
  const shownAgain = async (minutesLeft: number) => {
    const w = world();
    const now = w.clock.now();
    w.hub.add({ id: 'aaaaaaaaaa', userId: U.eng, role: 'guest', expiresAt: new Date(now.getTime() + minutesLeft * MIN) });
    await w.service.showAgain(U.eng, 'aaaaaaaaaa');
    const [delivery] = w.notifier.deliveries;
    return { delivery: delivery!, text: JSON.stringify(tokenMessage(delivery!, now).blocks) };
  };

  test('3 minutes left: the DM names when the grant ends, until when the token is signed, and what ends it', async () => {
    const { delivery, text } = await shownAgain(3);
    expect(delivery.tokenExpiresAt!.getTime() - delivery.grant.expiresAt.getTime()).toBe(7 * MIN);
    expect(text).toMatch(/The hub makes no token shorter than 10 minutes, so this one is signed until <!date\^\d+\^[^|]+\|2030-01-01 12:10 UTC>/);
    expect(text).toMatch(/within a minute of the grant's end at <!date\^\d+\^[^|]+\|2030-01-01 12:03 UTC>, when I delete the grant/);
  });

  test('an hour left: the token ends with the grant, nothing more to say', async () => {
    const { delivery, text } = await shownAgain(60);
    expect(delivery.tokenExpiresAt).toEqual(delivery.grant.expiresAt);
    expect(text).not.toContain('10 minutes');
  });
});
