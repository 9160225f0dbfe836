import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyLocalSettings, expandBraces, expandGlob, readHostJson } from '../../devhost/appFiles';
import { compileBlobPattern } from '../../devhost/blobTriggers';
import { parseDuration } from '../../devhost/clock';
import { describeStorage } from '../../devhost/storageText';
import { createRouteTable, HttpRoute } from '../../devhost/routes';

const route = (functionName: string, template: string): HttpRoute => ({
  functionName,
  template,
  methods: ['GET'],
  authLevel: 'anonymous',
});

describe('route templates', () => {
  const table = createRouteTable([
    route('getOffer', 'offers/{offerId}'),
    route('listOffers', 'offers'),
    route('exportOffers', 'offers/export'),
    route('getStep', 'offers/{offerId}/steps/{step?}'),
    route('getFile', 'files/{*path}'),
    route('byNumber', 'n/{id:int}'),
    route('byRange', 'r/{id:regex(^a+$)}'),
  ]);
  const first = (path: string) => table.match(path)[0];

  it('prefers literal segments over parameters', () => {
    expect(first('offers/export')?.route.functionName).toBe('exportOffers');
    expect(first('offers/contoso')).toEqual({
      route: expect.objectContaining({ functionName: 'getOffer' }),
      params: { offerId: 'contoso' },
    });
  });

  it('matches optional and catch-all parameters, decoding segments', () => {
    expect(first('offers/a/steps')?.params).toEqual({ offerId: 'a' });
    expect(first('offers/a/steps/publish')?.params).toEqual({ offerId: 'a', step: 'publish' });
    expect(first('files/a/b%20c/d.png')?.params).toEqual({ path: 'a/b c/d.png' });
    expect(first('OFFERS')?.route.functionName).toBe('listOffers');
  });

  it('checks int constraints and lets unknown constraints through', () => {
    expect(first('n/12')?.params).toEqual({ id: '12' });
    expect(first('n/x')).toBeUndefined();
    expect(first('r/bbb')?.params).toEqual({ id: 'bbb' });
    expect(first('offers/a/steps/b/c')).toBeUndefined();
  });
});

describe('package.json main globs', () => {
  it('expands braces and stars to the files that exist', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devhost-glob-'));
    for (const file of ['functions/a.js', 'functions/a.js.map', 'activities/b.js', 'other/c.js']) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), '');
    }
    expect(expandBraces('dist/{x,y}/{1,2}.js')).toEqual([
      'dist/x/1.js',
      'dist/x/2.js',
      'dist/y/1.js',
      'dist/y/2.js',
    ]);
    const found = expandGlob(root, '{functions,orchestrators,activities}/*.js').map((f) =>
      path.relative(root, f),
    );
    expect(found).toEqual(['activities/b.js', 'functions/a.js']);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('local.settings.json', () => {
  it('adds Values without overriding the environment', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devhost-settings-'));
    fs.writeFileSync(
      path.join(root, 'local.settings.json'),
      JSON.stringify({ Values: { A: 'file', B: 'file', C: 3 } }),
    );
    const env: NodeJS.ProcessEnv = { A: 'real' };
    expect(applyLocalSettings(root, env)).toEqual(['B', 'C']);
    expect(env).toEqual({ A: 'real', B: 'file', C: '3' });
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('host.json', () => {
  it('reads maxConcurrentActivityFunctions, lets an AzureFunctionsJobHost__ app setting override it, and defaults to 10 per processor', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devhost-hostjson-'));
    const write = (durableTask: Record<string, unknown>) =>
      fs.writeFileSync(path.join(root, 'host.json'), JSON.stringify({ extensions: { durableTask } }));
    write({ hubName: 'Hub', maxConcurrentActivityFunctions: 48 });
    expect(readHostJson(root).maxConcurrentActivityFunctions).toBe(48);
    const env = { AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions: '7' };
    expect(readHostJson(root, env).maxConcurrentActivityFunctions).toBe(7);
    write({ hubName: 'Hub' });
    expect(readHostJson(root).maxConcurrentActivityFunctions).toBe(10 * os.availableParallelism());
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('blob paths and durations', () => {
  it('takes named parameters from a blob name; the last one spans folders', () => {
    expect(compileBlobPattern('{offerId}/{fileName}').exec('contoso/pkg/v1.app')?.groups).toEqual({
      offerId: 'contoso',
      fileName: 'pkg/v1.app',
    });
    expect(compileBlobPattern('{name}.zip').test('a.app')).toBe(false);
  });

  it('parses ISO 8601 durations of weeks, days and time', () => {
    expect(parseDuration('P8D')).toBe(8 * 86400_000);
    expect(parseDuration('P1W')).toBe(7 * 86400_000);
    expect(parseDuration('PT1H30M')).toBe(5400_000);
    expect(parseDuration('P1DT0.5S')).toBe(86400_500);
    for (const bad of ['P', 'PT', 'P1Y', 'P2M', '8D', 'P-1D', '']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('describes storage by endpoints, never by key', () => {
    const text = describeStorage(
      'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=c2VjcmV0;BlobEndpoint=http://127.0.0.1:1/dev;TableEndpoint=http://127.0.0.1:2/dev',
    );
    expect(text).toBe('blob http://127.0.0.1:1/dev, table http://127.0.0.1:2/dev');
    expect(
      describeStorage('AccountName=prod;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net'),
    ).not.toContain('c2VjcmV0');
  });
});
