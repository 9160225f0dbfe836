/**
 * The local host leans on internals of @azure/functions and durable-functions that are not public
 * API: the injected `@azure/functions-core` module, the programming model's invocation model,
 * the typed-data shapes, and durable's action and history numbers. Upgrading either package must
 * fail here, loudly, before it fails somewhere subtle.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function installedVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string })
    .version;
}

describe('SDK internals the local host relies on', () => {
  it('runs the pinned versions', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies['@azure/functions']).toBe('4.16.5');
    expect(pkg.dependencies['durable-functions']).toBe('3.5.0');
    expect(installedVersion('@azure/functions')).toBe('4.16.5');
    expect(installedVersion('durable-functions')).toBe('3.5.0');
  });

  it('still asks for the worker-injected @azure/functions-core module, without HTTP streaming', () => {
    const bundle = fs.readFileSync(require.resolve('@azure/functions'), 'utf8');
    expect(bundle).toContain('require("@azure/functions-core")');
    expect(bundle).toContain('coreApi.registerFunction(');
    expect(bundle).toContain('coreApi.setProgrammingModel(');
    expect(bundle).toMatch(/exports\.enableHttpStream = false;/);
  });

  it('keeps the durable action and history event numbers', () => {
    const { ActionType } = require('durable-functions/lib/src/actions/ActionType') as {
      ActionType: Record<string, number>;
    };
    expect(ActionType).toMatchObject({
      CallActivity: 0,
      CallActivityWithRetry: 1,
      CallSubOrchestrator: 2,
      CallSubOrchestratorWithRetry: 3,
      ContinueAsNew: 4,
      CreateTimer: 5,
      WaitForExternalEvent: 6,
      CallEntity: 7,
      CallHttp: 8,
      SignalEntity: 9,
      WhenAny: 11,
      WhenAll: 12,
    });
    const { HistoryEventType } = require('durable-functions/lib/src/history/HistoryEventType') as {
      HistoryEventType: Record<string, number>;
    };
    expect(HistoryEventType).toMatchObject({
      ExecutionStarted: 0,
      ExecutionCompleted: 1,
      ExecutionFailed: 2,
      ExecutionTerminated: 3,
      TaskScheduled: 4,
      TaskCompleted: 5,
      TaskFailed: 6,
      TimerCreated: 10,
      TimerFired: 11,
      OrchestratorStarted: 12,
      OrchestratorCompleted: 13,
      EventRaised: 15,
      ContinueAsNew: 16,
    });
    const failure = fs.readFileSync(
      require.resolve('durable-functions/lib/src/error/OrchestrationFailureError'),
      'utf8',
    );
    expect(failure).toContain('$OutOfProcData$:');
  });

  it('registers through the stand-in and invokes through getInvocationModel (compiled host, real worker path)', () => {
    // Jest has its own module loader, so the module hook is exercised in a plain Node process.
    const script = `
      const { createFunctionsCore, installFunctionsCore } = require('./dist/devhost/functionsCore.js');
      const core = createFunctionsCore(() => {});
      installFunctionsCore(core.api);
      const { app } = require('@azure/functions');
      const df = require('durable-functions');
      app.http('hello', { route: 'hello/{who}', methods: ['POST'], handler: async (req) => ({ status: 202, jsonBody: { who: req.params.who, body: await req.text() } }) });
      app.storageBlob('onBlob', { path: 'c/{name}', connection: 'AzureWebJobsStorage', handler: (blob, ctx) => blob.toString() + '|' + ctx.triggerMetadata.name });
      df.app.orchestration('orch', function* (ctx) { return yield ctx.df.callActivity('act', ctx.df.getInput()); });
      df.app.activity('act', { handler: (input) => ({ got: input }) });
      (async () => {
        const model = core.api.getProgrammingModel();
        const http = await core.invoker.invoke('hello', { method: 'POST', url: 'http://localhost/api/hello/ann', headers: {}, params: { who: 'ann' }, query: {}, body: { bytes: Buffer.from('hi') } });
        const now = new Date().toISOString();
        const state = await core.invoker.invoke('orch', { instanceId: 'i1', isReplaying: false, parentInstanceId: null, upperSchemaVersion: 0, input: 'x',
          history: [{ EventType: 12, EventId: -1, IsPlayed: false, Timestamp: now }, { EventType: 0, EventId: -1, IsPlayed: false, Timestamp: now, Name: 'orch', Input: '"x"' }] });
        console.log(JSON.stringify({
          modelName: model && model.name,
          hasInvocationModel: typeof (model && model.getInvocationModel),
          types: core.invoker.list().map((f) => [f.name, f.trigger.type]),
          http: { status: http.statusCode, body: Buffer.from(http.body.bytes).toString() },
          blob: await core.invoker.invoke('onBlob', Buffer.from('bytes'), { triggerMetadata: { name: '123' } }),
          activity: await core.invoker.invoke('act', { n: 1 }),
          state,
        }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).not.toContain('test mode');
    expect(run.status).toBe(0);
    const facts = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
    expect(facts.modelName).toBe('@azure/functions');
    expect(facts.hasInvocationModel).toBe('function');
    expect(facts.types).toEqual([
      ['hello', 'httpTrigger'],
      ['onBlob', 'blobTrigger'],
      ['orch', 'orchestrationTrigger'],
      ['act', 'activityTrigger'],
    ]);
    expect(facts.http).toEqual({ status: '202', body: '{"who":"ann","body":"hi"}' });
    expect(facts.blob).toBe('bytes|123');
    expect(facts.activity).toEqual({ got: { n: 1 } });
    expect(facts.state).toMatchObject({
      isDone: false,
      schemaVersion: 0,
      actions: [[{ functionName: 'act', actionType: 0, input: '"x"' }]],
    });
  });
});
