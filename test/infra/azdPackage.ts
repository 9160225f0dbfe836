/**
 * What azd puts in a Function App's deployment zip, read from azd's source
 * (cli/azd/pkg/project/project_utils.go, createDeployableZip): every file under the packaged folder
 * except `.azure/`, the ignore file itself, `local.settings.json`, and whatever the folder's
 * `.funcignore` ignores (gitignore rules; an ignored folder is not entered).
 */
import fs from 'node:fs';
import path from 'node:path';

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

/** gitignore's pattern rules: `*`, `?`, `**`; a slash anywhere but the end anchors to the root. */
export function parseIgnore(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      let pattern = negate ? line.slice(1) : line;
      const dirOnly = pattern.endsWith('/');
      if (dirOnly) pattern = pattern.slice(0, -1);
      const anchored = pattern.includes('/');
      if (pattern.startsWith('/')) pattern = pattern.slice(1);
      const body = pattern
        .split(/(\*\*\/|\/\*\*$|\*\*|\*|\?)/)
        .map((part) => {
          if (part === '**/') return '(?:.*/)?';
          if (part === '/**') return '/.*';
          if (part === '**') return '.*';
          if (part === '*') return '[^/]*';
          if (part === '?') return '[^/]';
          return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { negate, dirOnly, regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) };
    });
}

/** Whether the last rule matching `relative` ignores it (gitignore: a `!` rule re-includes). */
export function ignored(rules: Rule[], relative: string, isDir: boolean): boolean {
  let result = false;
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue;
    if (rule.regex.test(relative)) result = !rule.negate;
  }
  return result;
}

export interface PackagedFile {
  path: string;
  bytes: number;
}

/** The files azd would zip from `root`, with their sizes. */
export function azdPackageFiles(root: string): PackagedFile[] {
  const ignoreFile = path.join(root, '.funcignore');
  const rules = fs.existsSync(ignoreFile) ? parseIgnore(fs.readFileSync(ignoreFile, 'utf8')) : [];
  const files: PackagedFile[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full).split(path.sep).join('/');
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && fs.statSync(full).isDirectory());
      if (isDir && entry.name === '.azure') continue;
      if (!isDir && (relative === '.funcignore' || entry.name === 'local.settings.json')) continue;
      if (ignored(rules, relative, isDir)) continue;
      if (isDir) walk(full);
      else files.push({ path: relative, bytes: fs.statSync(full).size });
    }
  };
  walk(root);
  return files;
}
