import { addBusinessDays } from '../../shared/domain/businessDays';
import { prerequisiteFindings } from '../../shared/domain/prerequisites';
import {
  reviewEscalationEmail,
  signoffReminderEmail,
  transitionEmail,
} from '../../shared/domain/notifications';
import { durationMs, judgePackage, latestPublishMoment } from '../../shared/domain/workflow';
import type { PackageReport } from '../../shared/domain/package';
import { STEPS } from '../../shared/domain/steps';
import { TRANSITIONS } from '../../shared/domain/states';

const completeOffer = {
  offerId: 'contoso-sales',
  publisherId: 'contoso',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  name: 'Contoso Sales Insights',
  summary: 'Sales dashboards',
  description: 'Long description',
  categories: ['Sales'],
  supportUrl: 'https://contoso.example/support',
  privacyPolicyUrl: 'https://contoso.example/privacy',
  app: {
    id: '8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11',
    name: 'Sales Insights',
    publisher: 'Contoso',
    version: '1.2.0.0',
  },
  storefront: { logo: 'logo-216.png' },
};
const links = { publicBaseUrl: 'https://pipeline.example', supportUrl: 'https://support.example/help' };

describe('business days', () => {
  it('skips the weekend', () => {
    // Friday 2026-11-27 10:00 + 1 business day = Monday 2026-11-30 10:00
    expect(addBusinessDays(new Date('2026-11-27T10:00:00Z'), 1).toISOString()).toBe(
      '2026-11-30T10:00:00.000Z',
    );
  });
  it('counts seven business days as nine calendar days from a Wednesday', () => {
    expect(addBusinessDays(new Date('2026-11-25T08:00:00Z'), 7).toISOString()).toBe(
      '2026-12-04T08:00:00.000Z',
    );
  });
  it('counts from Monday when the wait starts on a Saturday', () => {
    expect(addBusinessDays(new Date('2026-11-28T12:00:00Z'), 1).toISOString()).toBe(
      '2026-12-01T12:00:00.000Z',
    );
  });
});

describe('step 1 prerequisites', () => {
  it('accepts a complete offer and a valid email', () => {
    expect(prerequisiteFindings(completeOffer, 'ann@contoso.com')).toEqual([]);
  });
  it('names every missing field by its JSON path', () => {
    const { summary: _s, app, storefront: _l, ...rest } = completeOffer;
    const offer = { ...rest, app: { ...app, version: undefined } };
    const paths = prerequisiteFindings(offer, 'ann@contoso.com').map((f) => f.path);
    expect(paths.sort()).toEqual(['app.version', 'storefront.logo', 'summary']);
  });
  it('reports invalid fields and an invalid email once each', () => {
    const offer = { ...completeOffer, supportUrl: 'http://insecure.example', categories: [] };
    const findings = prerequisiteFindings(offer, 'not-an-email');
    expect(findings.map((f) => f.path).sort()).toEqual(['categories', 'notificationEmail', 'supportUrl']);
    expect(findings.find((f) => f.path === 'supportUrl')?.message).toMatch(/https/);
  });
  it('reports everything missing for an empty snapshot', () => {
    expect(prerequisiteFindings({}, 'ann@contoso.com')).toHaveLength(11);
  });
});

describe('durations and dates', () => {
  it('parses ISO 8601 durations', () => {
    expect(durationMs('PT1H')).toBe(3_600_000);
    expect(durationMs('P3D')).toBe(3 * 86_400_000);
    expect(durationMs('P1DT30M')).toBe(86_400_000 + 1_800_000);
    expect(() => durationMs('1 hour')).toThrow();
  });
  it('takes the latest promised publishing date', () => {
    expect(latestPublishMoment(['2026-12-01', undefined, '2026-12-24'])?.toISOString()).toBe(
      '2026-12-24T00:00:00.000Z',
    );
    expect(latestPublishMoment([undefined, undefined])).toBeUndefined();
  });
});

describe('step 2 package judgement', () => {
  const manifest = {
    format: 'zip' as const,
    id: '8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11',
    name: 'Sales Insights',
    publisher: 'Contoso',
    version: '1.2.0.0',
    idRanges: [],
    dependencies: [],
  };
  const passed: PackageReport = {
    blobName: 'contoso-sales/sales.zip',
    etag: '"0x1"',
    state: 'Passed',
    manifest,
    findings: [],
    validatedAt: '2026-11-25T10:00:00Z',
  };
  it('waits while no report or a pending one is stored', () => {
    expect(judgePackage(undefined, { app: completeOffer.app }).outcome).toBe('waiting');
    expect(judgePackage({ ...passed, state: 'Pending' }, { app: completeOffer.app }).outcome).toBe('waiting');
  });
  it('passes a report whose manifest matches the snapshot', () => {
    const judged = judgePackage(passed, { app: completeOffer.app });
    expect(judged).toMatchObject({ outcome: 'succeeded', blobName: passed.blobName, version: '1.2.0.0' });
  });
  it('fails when the snapshot says another version than the package', () => {
    const judged = judgePackage(passed, { app: { ...completeOffer.app, version: '1.3.0.0' } });
    expect(judged).toMatchObject({ outcome: 'failed', code: 'package_invalid' });
    expect(judged.outcome === 'failed' && judged.details[0]?.message).toMatch(/1\.3\.0\.0/);
  });
  it('passes a report that failed only on a mismatch the snapshot no longer has', () => {
    const failed: PackageReport = {
      ...passed,
      state: 'Failed',
      findings: [{ rule: 'manifest.version-mismatch', severity: 'error', message: 'old offer said 1.1.0.0' }],
    };
    expect(judgePackage(failed, { app: completeOffer.app }).outcome).toBe('succeeded');
  });
  it('keeps package findings that do not depend on the offer', () => {
    const failed: PackageReport = {
      ...passed,
      state: 'Failed',
      findings: [{ rule: 'zip.path-traversal', severity: 'error', message: 'entry ../x', path: '../x' }],
    };
    expect(judgePackage(failed, { app: completeOffer.app })).toMatchObject({
      outcome: 'failed',
      details: [{ path: '../x' }],
    });
  });
  it('fails a version that is not higher than the live one', () => {
    expect(judgePackage(passed, { app: completeOffer.app, lastLiveVersion: '1.2.0.0' }).outcome).toBe(
      'failed',
    );
  });
});

describe('notifications', () => {
  const base = { offerId: 'contoso-sales', offerName: 'Contoso Sales Insights', submissionId: '3' };
  it('names offer, step and transition with the portal link', () => {
    const mail = transitionEmail({ ...base, step: 'automated-validation', transition: 'succeeded' }, links);
    expect(mail.subject).toBe(
      'Contoso Sales Insights (contoso-sales): step 2 of 9, Automated Application Validation succeeded',
    );
    expect(mail.text).toContain('https://pipeline.example/api/portal#/offers/contoso-sales');
    expect(mail.text).not.toContain('Publish again');
  });
  it('tells a failure with message, details, the fix instruction and support', () => {
    const error = {
      step: 'validate-prerequisites' as const,
      code: 'missing_fields',
      message: '2 required fields are missing.',
      details: [{ path: 'app.version', message: 'is required to publish' }],
    };
    const mail = transitionEmail(
      { ...base, step: 'validate-prerequisites', transition: 'failed', error },
      links,
    );
    expect(mail.subject).toMatch(/step 1 of 9, Validate Prerequisites failed/);
    expect(mail.text).toContain('2 required fields are missing.');
    expect(mail.text).toContain('app.version: is required to publish');
    expect(mail.text).toContain('press Publish again');
    expect(mail.text).toContain('https://support.example/help');
  });
  describe.each(STEPS.map((s) => s.id))('step %s', (step) => {
    it.each([...TRANSITIONS])('reads as plain English on transition %s', (transition) => {
      const mail = transitionEmail({ ...base, step, transition }, links);
      for (const text of [mail.subject, mail.text]) {
        expect(text).not.toMatch(/is succeeded|is failed|Live succeeded|is started|is canceled/i);
      }
      expect(mail.subject).toContain('Contoso Sales Insights (contoso-sales)');
    });
  });
  it('says the offer is live when the last step succeeds', () => {
    const mail = transitionEmail({ ...base, step: 'live', transition: 'succeeded' }, links);
    expect(mail.subject).toBe('Contoso Sales Insights (contoso-sales) is live (step 9 of 9)');
    expect(mail.text).toMatch(/^Submission 3 of offer Contoso Sales Insights \(contoso-sales\) is live/);
  });
  it('writes the reminder and the escalation', () => {
    expect(signoffReminderEmail({ ...base, reminder: 2 }, links).subject).toMatch(/Go Live \(reminder 2\)/);
    const escalation = reviewEscalationEmail(
      { ...base, waitingSince: '2026-11-25T00:00:00Z', businessDays: 7 },
      links,
    );
    expect(escalation.subject).toMatch(/Marketing and Technical Validation is overdue/);
    expect(escalation.text).toContain('7 business days');
  });
});
