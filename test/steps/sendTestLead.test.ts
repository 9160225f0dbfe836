import http from 'node:http';
import { TableClient } from '@azure/data-tables';
import { makeSendTestLead } from '../../activities/sendTestLead';
import { createLeadDelivery } from '../../shared/adapters/leads/delivery';
import { signBody } from '../../shared/adapters/leads/https';
import { AZURE_POLICY, LOCAL_POLICY } from '../../shared/adapters/outbound';
import type { LeadDestination } from '../../shared/domain/offer';
import type { Services } from '../../shared/services';
import { LocalServer, readBody, startServer, submit, testServices, uniqueOfferId } from './helpers';

interface Received {
  body: string;
  leadId: string | undefined;
  signature: string | undefined;
}

let services: Services;
let endpoint: LocalServer;
let received: Received[] = [];
/** Statuses the endpoint answers with, in order; 200 once they run out. 0 means: never answer. */
let script: number[] = [];
const SECRET = 'hmac-secret-for-tests';

beforeAll(async () => {
  services = testServices();
  endpoint = await startServer(async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = (await readBody(req)).toString('utf8');
    received.push({
      body,
      leadId: req.headers['x-lead-id'] as string | undefined,
      signature: req.headers['x-signature-sha256'] as string | undefined,
    });
    const status = script.shift() ?? 200;
    if (status === 0) return; // hang
    res.writeHead(status).end();
  });
});

afterAll(() => endpoint.close());

beforeEach(() => {
  received = [];
  script = [];
});

const deliver = createLeadDelivery({ timeoutMs: 500, backoffMs: 10, policy: LOCAL_POLICY });
const activity = () =>
  makeSendTestLead({ blobs: services.blobs, leads: services.leads, deliver, now: () => new Date() });

async function run(leadDestination: LeadDestination | undefined, offerId = uniqueOfferId('lead')) {
  const input = await submit(services, offerId, { name: 'Contoso Sales', leadDestination }, '7');
  return { input, outcome: await activity()(input) };
}

function destinationTable(tableName: string): TableClient {
  return TableClient.fromConnectionString(String(process.env.TEST_STORAGE_CONNECTION), tableName, {
    allowInsecureConnection: true,
  });
}

async function rows(table: TableClient): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for await (const row of table.listEntities<Record<string, unknown>>()) found.push(row);
  return found;
}

const LEAD_FIELDS = [
  'company',
  'name',
  'email',
  'phone',
  'country',
  'title',
  'offer',
  'leadSource',
  'action',
];

describe('step 4, lead management', () => {
  it('is skipped when no lead destination is configured', async () => {
    expect((await run(undefined)).outcome).toMatchObject({ outcome: 'skipped' });
  });

  describe('azureTable destination', () => {
    it('writes one fake, searchable test lead into the publisher table and keeps a receipt', async () => {
      const tableName = `PubLeads${Date.now()}`;
      const connectionString = String(process.env.TEST_STORAGE_CONNECTION);
      const { input, outcome } = await run({ type: 'azureTable', connectionString, tableName });
      expect(outcome).toMatchObject({ outcome: 'succeeded' });

      const landed = await rows(destinationTable(tableName));
      expect(landed).toHaveLength(1);
      const lead = landed[0] ?? {};
      expect(lead).toMatchObject({ partitionKey: input.offerId, rowKey: `TEST_${input.offerId}_7` });
      for (const field of LEAD_FIELDS) {
        expect(String(lead[field])).toContain('TEST_');
        expect(String(lead[field])).toContain('7');
      }

      const receipt = await services.leads.get(input.offerId, `TEST_${input.offerId}_7`);
      expect(receipt).toMatchObject({
        state: 'Delivered',
        destination: `azureTable:${tableName}`,
        result: { delivered: true, tableResult: 'Created', attempts: 1 },
      });
      expect(JSON.stringify(receipt)).not.toContain('AccountKey');
    });

    it('never writes a second row when the activity runs again, even after a crash mid-delivery', async () => {
      const tableName = `PubLeads${Date.now()}`;
      const destination: LeadDestination = {
        type: 'azureTable',
        connectionString: String(process.env.TEST_STORAGE_CONNECTION),
        tableName,
      };
      const { input } = await run(destination);
      expect(await activity()(input)).toMatchObject({ outcome: 'succeeded' });
      // A crash after delivering but before the receipt said Delivered: the lead is sent again.
      const leadId = `TEST_${input.offerId}_7`;
      const receipt = await services.leads.get(input.offerId, leadId);
      if (!receipt) throw new Error('no receipt');
      await services.leads.put({ ...receipt, state: 'Delivering', result: undefined });
      expect(await activity()(input)).toMatchObject({ outcome: 'succeeded' });

      expect(await rows(destinationTable(tableName))).toHaveLength(1);
      expect(await services.leads.get(input.offerId, leadId)).toMatchObject({
        state: 'Delivered',
        result: { tableResult: 'AlreadyExists' },
      });
    });

    it('fails with what to fix when the connection string is not one, without echoing it', async () => {
      const connectionString = 'Server=db.contoso.example;Password=hunter2-secret';
      const { input, outcome } = await run({ type: 'azureTable', connectionString });
      expect(outcome).toMatchObject({
        outcome: 'failed',
        code: 'lead_delivery_failed',
        message: expect.stringContaining('not a valid Azure Storage connection string'),
      });
      expect(JSON.stringify(outcome)).not.toContain('hunter2');
      const receipt = await services.leads.get(input.offerId, `TEST_${input.offerId}_7`);
      expect(receipt?.state).toBe('Failed');
      expect(JSON.stringify(receipt)).not.toContain('hunter2');
    });

    it('fails when the account refuses the key', async () => {
      const wrongKey = Buffer.from('not the account key of this storage account').toString('base64');
      const connectionString = String(process.env.TEST_STORAGE_CONNECTION).replace(
        /AccountKey=[^;]+/,
        `AccountKey=${wrongKey}`,
      );
      const { outcome } = await run({ type: 'azureTable', connectionString, tableName: 'RefusedLeads' });
      expect(outcome).toMatchObject({
        outcome: 'failed',
        code: 'lead_delivery_failed',
        message: expect.stringContaining('HTTP 403'),
      });
      expect(JSON.stringify(outcome)).not.toContain(wrongKey);
    });
    it('fails when the table endpoint does not answer within the timeout', async () => {
      const hanging = await startServer(() => undefined);
      try {
        const connectionString = String(process.env.TEST_STORAGE_CONNECTION).replace(
          /TableEndpoint=[^;]+/,
          `TableEndpoint=http://127.0.0.1:${hanging.port}/devstoreaccount1`,
        );
        const { outcome } = await run({ type: 'azureTable', connectionString });
        expect(outcome).toMatchObject({
          outcome: 'failed',
          code: 'lead_delivery_failed',
          message: expect.stringContaining('did not answer within 0.5 s'),
        });
      } finally {
        await hanging.close();
      }
    });
  });

  describe('https destination', () => {
    const destination = (): LeadDestination => ({
      type: 'https',
      url: `${endpoint.url}leads`,
      secret: SECRET,
    });

    it('POSTs the signed JSON lead, retrying a 5xx, and delivers it once', async () => {
      script = [503];
      const { input, outcome } = await run(destination());
      expect(outcome).toMatchObject({ outcome: 'succeeded' });
      expect(received).toHaveLength(2);
      for (const request of received) {
        expect(request.signature).toBe(signBody(request.body, SECRET));
        expect(request.leadId).toBe(`TEST_${input.offerId}_7`);
      }
      const lead = JSON.parse(received[1]?.body ?? '{}') as Record<string, unknown>;
      expect(lead).toMatchObject({ leadId: `TEST_${input.offerId}_7`, offerId: input.offerId, isTest: true });
      for (const field of LEAD_FIELDS) expect(String(lead[field])).toMatch(/TEST_.*7/);

      const receipt = await services.leads.get(input.offerId, `TEST_${input.offerId}_7`);
      expect(receipt).toMatchObject({ state: 'Delivered', result: { httpStatus: 200, attempts: 2 } });
      expect(JSON.stringify(receipt)).not.toContain(SECRET);

      // The activity runs again (a retry after a lost result): nothing is sent.
      expect(await activity()(input)).toMatchObject({ outcome: 'succeeded' });
      expect(received).toHaveLength(2);
    });

    it('fails without retrying when the endpoint refuses the lead (4xx)', async () => {
      script = [400];
      const { input, outcome } = await run(destination());
      expect(outcome).toMatchObject({
        outcome: 'failed',
        code: 'lead_delivery_failed',
        message: expect.stringContaining('HTTP 400'),
      });
      expect(received).toHaveLength(1);
      expect(await services.leads.get(input.offerId, `TEST_${input.offerId}_7`)).toMatchObject({
        state: 'Failed',
        result: { httpStatus: 400, attempts: 1 },
      });
    });

    it('fails after the retries when the endpoint keeps answering 5xx', async () => {
      script = [500, 502, 503];
      const { outcome } = await run(destination());
      expect(outcome).toMatchObject({
        outcome: 'failed',
        message: expect.stringContaining('all 3 attempts'),
      });
      expect(received).toHaveLength(3);
    });

    it('fails when the endpoint does not answer within the timeout', async () => {
      script = [0];
      const { outcome } = await run(destination());
      expect(outcome).toMatchObject({
        outcome: 'failed',
        code: 'lead_delivery_failed',
        message: expect.stringContaining('did not answer over https within 0.5 s'),
      });
    });

    it('sends no signature when the destination has no secret', async () => {
      const { outcome } = await run({ type: 'https', url: `${endpoint.url}leads` });
      expect(outcome).toMatchObject({ outcome: 'succeeded' });
      expect(received[0]?.signature).toBeUndefined();
    });

    it('refuses a plain http endpoint in production settings', async () => {
      const strict = createLeadDelivery({ timeoutMs: 500, policy: AZURE_POLICY });
      const input = await submit(services, uniqueOfferId('lead'), {
        leadDestination: { type: 'https', url: `${endpoint.url}leads` },
      });
      const outcome = await makeSendTestLead({
        blobs: services.blobs,
        leads: services.leads,
        deliver: strict,
        now: () => new Date(),
      })(input);
      expect(outcome).toMatchObject({ outcome: 'failed', message: expect.stringContaining('https') });
      expect(received).toHaveLength(0);
    });
  });

  describe('outbound policy', () => {
    const RAW_CODE = /\b(E[A-Z]{4,}|ERR_[A-Z_]+|UND_ERR\w*)\b/;
    const withDeliver = (d: ReturnType<typeof createLeadDelivery>) =>
      makeSendTestLead({ blobs: services.blobs, leads: services.leads, deliver: d, now: () => new Date() });

    it('refuses an https lead endpoint at a loopback or metadata address in Azure mode', async () => {
      const azure = createLeadDelivery({ timeoutMs: 500, backoffMs: 10, policy: AZURE_POLICY });
      for (const [url, kind] of [
        [`https://127.0.0.1:${endpoint.port}/leads`, 'loopback'],
        ['https://169.254.169.254/metadata/identity/oauth2/token', 'link-local'],
      ] as const) {
        const input = await submit(services, uniqueOfferId('lead'), {
          leadDestination: { type: 'https', url },
        });
        const outcome = await withDeliver(azure)(input);
        expect(outcome).toMatchObject({
          outcome: 'failed',
          code: 'lead_delivery_failed',
          message: expect.stringContaining(kind),
        });
        expect(JSON.stringify(outcome)).not.toMatch(RAW_CODE);
      }
      expect(received).toHaveLength(0);
    });

    it('says what failed, without raw network codes, when nothing listens', async () => {
      const closed = await startServer(() => undefined);
      await closed.close();
      const { outcome } = await run({ type: 'https', url: `${closed.url}leads` });
      expect(outcome).toMatchObject({
        outcome: 'failed',
        message: expect.stringContaining('could not be reached'),
      });
      expect(JSON.stringify(outcome)).not.toMatch(RAW_CODE);
    });

    it('refuses a lead table in the app’s own storage account, and writes nothing there', async () => {
      const own = String(process.env.TEST_STORAGE_CONNECTION);
      const guarded = createLeadDelivery({ timeoutMs: 500, policy: LOCAL_POLICY, ownStorage: [own] });
      const tableName = 'StepHistory';
      const input = await submit(services, uniqueOfferId('lead'), {
        leadDestination: { type: 'azureTable', connectionString: own, tableName },
      });
      const outcome = await withDeliver(guarded)(input);
      expect(outcome).toMatchObject({
        outcome: 'failed',
        code: 'lead_delivery_failed',
        message: expect.stringContaining('own storage account'),
      });
      const landed = (await rows(destinationTable(tableName)).catch(() => [])).filter(
        (r) => r.partitionKey === input.offerId,
      );
      expect(landed).toEqual([]);
    });
  });
});
