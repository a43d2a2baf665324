// The API reference builds, and every exported member of every entry point carries TSDoc: typedoc's
// validation (notDocumented, invalidLink) is configured to fail the build otherwise (typedoc.json).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');

describe('API reference', () => {
  it('builds from the TSDoc with every export documented and every link resolved', () => {
    const result = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `typedoc failed:\n${result.stdout}\n${result.stderr}`);
  });
});
