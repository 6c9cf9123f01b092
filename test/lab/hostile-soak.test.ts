// The hostile soak (see hostile-soak.ts), short and with a fixed seed: random hostile answers among
// normal ones, over every client operation, end with the client process alive and nothing leaked.
import { strict as assert } from 'node:assert';
import { runHostileSoak } from '../support/lab/hostile-soak';
import { Lab } from '../support/lab/registry';

describe('hostile soak: operations against a registry that lies, lingers, steers and echoes secrets', function () {
  let lab: Lab;

  after(async () => lab?.stopAll());

  it('ends with the client process alive, every failure a clean CoreError, and nothing leaked', async function () {
    this.timeout(120_000);
    lab = await Lab.create();
    const rounds = Number(process.env.SOAK_HOSTILE_ROUNDS ?? 40);
    const figures = await runHostileSoak(lab, { rounds, seed: Number(process.env.SOAK_SEED ?? 11), timeLimitMs: 45_000 });
    console.log(`      hostile soak: ${JSON.stringify({ ...figures, violations: figures.violations.length })}`);
    assert.deepEqual(figures.violations, []);
    assert.equal(figures.unhandledErrors, 0);
    assert.equal(figures.hungOperations, 0);
    assert.equal(figures.secretsFound, 0);
    assert.equal(figures.unsafeTexts, 0);
    assert.equal(figures.privateConnections, 0);
    assert.equal(figures.socketsLeftOpen, 0);
    assert.equal(figures.leftovers, 0);
    // The soak proves something only when each kind of hostility happened, a registry's text was
    // quoted (where an echoed secret would show), and operations both failed and completed.
    const injected = (kinds: string[]): number =>
      kinds.reduce((n, k) => n + (figures.injectedByKind[k as keyof typeof figures.injectedByKind] ?? 0), 0);
    assert.ok(figures.rounds >= Math.min(rounds, 10), `only ${figures.rounds} rounds ran`);
    assert.ok(injected(['length-huge', 'length-over', 'length-under', 'trickle', 'stall', 'cut', 'bad-chunks']) > 0, 'hostile bodies');
    assert.ok(injected(['private-location', 'private-link', 'private-redirect', 'private-realm']) > 0, 'private URLs');
    assert.ok(injected(['echo-secrets', 'token-echo']) > 0 && figures.quotedTexts > 0, 'echoed secrets, quoted');
    assert.ok(figures.completed > 0 && figures.failed > 0, `${figures.completed} completed, ${figures.failed} failed`);
    assert.ok(figures.sessionsClosed >= 1);
  });
});
