/*
 * The package: upload (straight to storage through POST .../package/upload-url, else PUT .../package),
 * with progress, then the validation report, its findings grouped by rule.
 */
import { api, ApiError, offerPath, send, upload } from './api.js';
import { el, clear, time, sleep } from './dom.js';
import { fieldMessage } from './words.js';

/** Header-safe file name: the API stores the blob under it. */
export function safeFileName(name, fallback = 'package.app') {
  const cleaned = String(name || fallback)
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '');
  return cleaned.slice(-200) || fallback;
}

/**
 * Large packages go straight to storage through a short-lived URL; where that route does not
 * answer 201, or the direct PUT fails, through PUT .../package. Returns the blob name.
 */
export async function uploadPackageFile(offerId, file, onProgress) {
  const fileName = safeFileName(file.name);
  let target = null;
  try {
    const result = await send(
      'POST',
      offerPath(offerId, '/package/upload-url'),
      JSON.stringify({ fileName, size: file.size }),
      { 'content-type': 'application/json' },
    );
    if (result.status === 201 && result.body && typeof result.body.uploadUrl === 'string')
      target = result.body;
  } catch (error) {
    // Too large or not allowed is the answer for either route; anything else means "use the other route".
    if (error.status === 413 || error.status === 403 || error.status === 401) throw error;
  }
  if (target) {
    try {
      const headers = { 'content-type': file.type || 'application/octet-stream', ...(target.headers || {}) };
      await upload(target.uploadUrl, file, headers, onProgress, false);
      return target.blobName || `${offerId}/${fileName}`;
    } catch {
      // Storage unreachable from the page (e.g. no CORS rule): the function app takes it instead.
    }
  }
  const headers = { 'content-type': 'application/octet-stream', 'x-file-name': fileName };
  const result = await upload(offerPath(offerId, '/package'), file, headers, onProgress, true);
  return (result.body && result.body.blobName) || `${offerId}/${fileName}`;
}

/** The latest package report; null when none was uploaded (404); `{unavailable}` when it cannot be read. */
export async function packageReport(offerId) {
  try {
    return await api('GET', offerPath(offerId, '/package-validation'));
  } catch (error) {
    return error.status === 404 ? null : { unavailable: true };
  }
}

/** Validation runs in the background after an upload: poll until this blob's report is final. */
export async function waitForReport(offerId, blobName, stillWanted) {
  for (let attempt = 0; attempt < 120; attempt++) {
    const report = await packageReport(offerId);
    if (!stillWanted()) return null;
    if (report && !report.unavailable && report.blobName === blobName && report.state !== 'Pending')
      return report;
    await sleep(attempt < 10 ? 500 : 1500);
  }
  return null;
}

/** The package report into `box`, its findings grouped by rule, each with the paths it names. */
export function renderPackageReport(box, report) {
  clear(box);
  if (!report || report.unavailable) {
    delete box.dataset.state;
    const text = report
      ? 'The package report cannot be shown right now: open the Editor again in a moment.'
      : 'No package uploaded yet.';
    box.append(el('p', { className: 'muted', text }));
    return;
  }
  box.dataset.state = report.state || '';
  const colour =
    { Passed: 'Succeeded', Failed: 'Failed', Pending: 'InProgress' }[report.state] || 'NotStarted';
  const manifest = report.manifest || null;
  const word = { Passed: 'Passed', Failed: 'Failed', Pending: 'Validating' }[report.state] || 'Unknown';
  // Element.append writes null as the text "null": only nodes go in.
  const lines = [
    el('p', null, [
      el('span', { className: `state-chip ${colour}`, text: word }),
      ' ',
      el('span', { className: 'break', text: report.blobName || '' }),
      report.validatedAt ? ' · validated ' : '',
      report.validatedAt ? time(report.validatedAt) : null,
    ]),
    manifest && manifest.name
      ? el('p', {
          className: 'muted',
          text: [
            `${manifest.name} ${manifest.version || ''}`.trim(),
            manifest.publisher ? `by ${manifest.publisher}` : '',
            manifest.id ? `(app id ${manifest.id})` : '',
          ]
            .filter(Boolean)
            .join(' '),
        })
      : null,
  ].filter(Boolean);
  box.append(...lines);
  const groups = new Map();
  for (const f of Array.isArray(report.findings) ? report.findings : []) {
    const rule = String(f.rule || 'unknown');
    if (!groups.has(rule)) groups.set(rule, []);
    groups.get(rule).push(f);
  }
  if (groups.size === 0) {
    if (report.state === 'Passed') box.append(el('p', { text: 'No findings: every rule passed.' }));
    return;
  }
  const list = el('ul', { className: 'findings' });
  for (const [rule, findings] of groups) {
    const severity = findings.some((f) => f.severity === 'error') ? 'error' : 'warning';
    list.append(
      el('li', { className: `finding-group ${severity}`, dataset: { rule } }, [
        el('p', { className: 'finding-rule' }, [
          el('code', { text: rule }),
          ` · ${severity === 'error' ? 'must be fixed' : 'warning'} · ${findings.length} finding${findings.length === 1 ? '' : 's'}`,
        ]),
        el(
          'ul',
          null,
          findings.map((f) =>
            el('li', null, [
              f.path ? el('code', { text: f.path }) : null,
              f.path ? ': ' : '',
              fieldMessage(f.path, f.message),
            ]),
          ),
        ),
      ]),
    );
  }
  box.append(list);
}

export { ApiError };
