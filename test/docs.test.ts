// The API reference builds, and every exported member of every entry point carries TSDoc: typedoc's
// validation (notDocumented, invalidLink) is configured to fail the build otherwise (typedoc.json).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

  it('writes a static site: every page and file a page links to is in the output folder', () => {
    const out = mkdtempSync(join(tmpdir(), 'tickwave-docs-'));
    try {
      // Validation is the test above's job; this one checks the written site.
      const args = ['--out', out, '--treatValidationWarningsAsErrors', 'false', '--logLevel', 'Error'];
      const result = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), ...args], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, `typedoc failed:\n${result.stdout}\n${result.stderr}`);
      const pages = [join(out, 'index.html'), ...readdirSync(join(out, 'modules')).map((f) => join(out, 'modules', f))];
      const broken: string[] = [];
      for (const page of pages) {
        for (const [, href] of readFileSync(page, 'utf8').matchAll(/href="([^"#?]+)[^"]*"/g)) {
          if (/^[a-z]+:/i.test(href!)) continue;
          if (!existsSync(resolve(dirname(page), decodeURI(href!)))) broken.push(`${page}: ${href}`);
        }
      }
      assert.deepEqual(broken, [], 'links to files the site does not have');
      const modules = readFileSync(join(out, 'modules', 'server.html'), 'utf8');
      for (const group of ['Start here', 'Server', 'Advanced'])
        assert.ok(modules.includes(group), `server page: ${group}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
