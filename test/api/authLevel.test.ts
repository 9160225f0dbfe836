/**
 * Every HTTP route is anonymous at the Functions host: the browser portal and scripts hold no
 * function key. Identity is App Service Authentication's job in Azure and the app's 401 everywhere.
 */
import fs from 'node:fs';
import path from 'node:path';

const functionsDir = path.resolve(__dirname, '../../functions');

describe('HTTP routes', () => {
  const sources = fs
    .readdirSync(functionsDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(functionsDir, f), 'utf8') }))
    .filter((s) => /app\.http\(/.test(s.text));

  it('are found', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it('want no function key', () => {
    const { API_AUTH_LEVEL, PUBLIC_AUTH_LEVEL } = jest.requireActual<
      typeof import('../../shared/http/registration')
    >('../../shared/http/registration');
    expect([API_AUTH_LEVEL, PUBLIC_AUTH_LEVEL]).toEqual(['anonymous', 'anonymous']);
    for (const { file, text } of sources) {
      const levels = [...text.matchAll(/authLevel:\s*([\w'.]+)/g)].map((m) => m[1]);
      expect([file, levels.length > 0]).toEqual([file, true]);
      for (const level of levels) {
        expect([file, ['API_AUTH_LEVEL', 'PUBLIC_AUTH_LEVEL', "'anonymous'"]]).toEqual([
          file,
          expect.arrayContaining([level]),
        ]);
      }
    }
  });
});
