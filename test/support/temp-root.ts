// Loaded first by every test runner (`require` in the unit and lab suites' .mocharc.json, the first
// import of test/e2e/run.ts and demo-check.ts): the process and every program it starts
// (registries, skopeo, credential helpers, dockerd, VS Code) put their temporary folders under one
// folder of its own, removed when the process exits. Tests make hundreds of temporary homes, hosts
// directories, layouts and VS Code profiles; without this they stayed in the system's temporary
// folder after every run. LAB_KEEP=1 keeps the folder for a look afterwards.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A short name: dockerd's unix sockets lie deep inside the lab's folders (see docker-daemon.ts).
const root = mkdtempSync(join(tmpdir(), 'rx-'));
// As open as the system's temporary folder: programs that drop to their own user (squid runs as
// `proxy`) must reach the folders made for them inside.
chmodSync(root, 0o1777);
process.env.TMPDIR = root;

process.on('exit', () => {
  if (process.env.LAB_KEEP === '1') {
    process.stderr.write(`LAB_KEEP=1: the tests' temporary files are kept in ${root}\n`);
    return;
  }
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    // A program the suite started may still be writing there: leave it rather than fail the run.
    process.stderr.write(`could not remove the tests' temporary folder ${root}: ${String(err)}\n`);
  }
});
