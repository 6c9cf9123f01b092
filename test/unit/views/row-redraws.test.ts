// When the tree tells VS Code to redraw a row: never while VS Code is taking in the row's children,
// and never a row under one VS Code has not listed again yet (both would be lost).
import { strict as assert } from 'node:assert';
import { HOLD_LIMIT_MS, RowRedraws, type RedrawnRow } from '../../../src/views/row-redraws';

interface Row extends RedrawnRow {
  readonly name: string;
  readonly parent: Row | undefined;
}

const row = (name: string, parent?: Row): Row => ({ name, parent });

/** A RowRedraws whose timers run when the test says, recording what VS Code was told. */
function setup(): { redraws: RowRedraws<Row>; fired: string[]; runTimers: (upToMs: number) => void } {
  const fired: string[] = [];
  const timers: { task: () => void; ms: number }[] = [];
  const redraws = new RowRedraws<Row>(
    (r) => fired.push(r?.name ?? '(all)'),
    (task, ms) => timers.push({ task, ms }),
  );
  const runTimers = (upToMs: number): void => {
    for (let round = 0; round < 10; round++) {
      const due = timers.filter((t) => t.ms <= upToMs);
      if (due.length === 0) return;
      for (const t of due) timers.splice(timers.indexOf(t), 1);
      due.forEach((t) => t.task());
    }
  };
  return { redraws, fired, runTimers };
}

describe('RowRedraws', () => {
  const registry = row('registry');
  const repository = row('repository', registry);
  const latest = row('latest', repository);

  it('redraws a row at once when VS Code is not listing its children', () => {
    const { redraws, fired } = setup();
    redraws.redraw(repository);
    redraws.redraw(undefined);
    assert.deepEqual(fired, ['repository', '(all)']);
  });

  it('holds a redraw asked while VS Code lists the row, until one of the listed children is drawn', () => {
    const { redraws, fired, runTimers } = setup();
    const listed = redraws.listing(repository);
    redraws.redraw(repository);
    listed();
    runTimers(0);
    assert.deepEqual(fired, [], 'not while the window may still be taking the children in');
    assert.ok(redraws.waitsForDrawnChild(repository), 'the children are to say when they are drawn');
    redraws.drawn(latest);
    assert.deepEqual(fired, ['repository']);
    assert.ok(!redraws.waitsForDrawnChild(repository));
    runTimers(HOLD_LIMIT_MS);
    assert.deepEqual(fired, ['repository'], 'once');
  });

  it('redraws a held row after a while when none of its children is drawn', () => {
    const { redraws, fired, runTimers } = setup();
    const listed = redraws.listing(repository);
    redraws.redraw(repository);
    listed();
    runTimers(0);
    assert.deepEqual(fired, []);
    runTimers(HOLD_LIMIT_MS);
    assert.deepEqual(fired, ['repository']);
  });

  it('holds the redraw of a row under a redrawn one until VS Code has listed the rows down to it again', () => {
    const { redraws, fired, runTimers } = setup();
    redraws.redraw(registry);
    redraws.redraw(latest);
    assert.deepEqual(fired, ['registry'], 'the tag row is unknown to VS Code until its repository is listed again');
    // A listing under way before the redraw does not count: VS Code drops what it lists.
    redraws.listing(registry)();
    runTimers(0);
    assert.deepEqual(fired, ['registry']);
    redraws.listing(repository)();
    runTimers(0);
    assert.deepEqual(fired, ['registry', 'latest']);
  });

  it('a redraw asked during a listing waits, and that listing releases what waited for the redraw before it', () => {
    const { redraws, fired, runTimers } = setup();
    redraws.redraw(repository);
    const listed = redraws.listing(repository);
    redraws.redraw(latest);
    redraws.redraw(repository);
    listed();
    runTimers(0);
    assert.deepEqual(fired, ['repository', 'latest']);
    redraws.drawn(latest);
    assert.deepEqual(fired, ['repository', 'latest', 'repository']);
  });

  it('lets held redraws go after a while when the row is never listed again (collapsed meanwhile)', () => {
    const { redraws, fired, runTimers } = setup();
    redraws.redraw(repository);
    redraws.redraw(latest);
    runTimers(0);
    assert.deepEqual(fired, ['repository']);
    runTimers(HOLD_LIMIT_MS);
    assert.deepEqual(fired, ['repository', 'latest']);
  });
});
