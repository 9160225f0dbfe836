/* global URL, URLSearchParams, fetch, Blob */
/*
 * The preview as the storefront will show it (the seed's "link to preview your offering"): name,
 * summary, logo, description, screenshots and the download link of the preview package, from
 * GET .../preview?hidekey= and the images inside the preview package. The key is the only pass.
 */
import { API, api, offerPath } from './api.js';
import { $, el, clear, showView } from './dom.js';
import { readZip } from './zip.js';

/* Images are read out of the preview package only while it is small enough to fetch whole. */
const MAX_PACKAGE_FOR_IMAGES = 32 * 1024 * 1024;
const IMAGE_TYPES = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

let objectUrls = [];

export function stopPreview() {
  for (const url of objectUrls) URL.revokeObjectURL(url);
  objectUrls = [];
}

/** The images of the preview package by file name, as object URLs; empty when they cannot be read. */
async function packageImages(packagePath, names) {
  const images = new Map();
  try {
    const response = await fetch(API + packagePath, { cache: 'no-store' });
    const size = Number(response.headers.get('content-length') || '0');
    if (!response.ok || size > MAX_PACKAGE_FOR_IMAGES) return images;
    const entries = readZip(await response.arrayBuffer());
    for (const name of names) {
      const read = entries.get(`storefront/${name}`);
      if (!read) continue;
      const type = IMAGE_TYPES[String(name).split('.').pop().toLowerCase()] || 'application/octet-stream';
      const blob = await read();
      const url = URL.createObjectURL(new Blob([blob], { type }));
      objectUrls.push(url);
      images.set(name, url);
    }
  } catch {
    // The page still reads well without images; their names are shown instead.
  }
  return images;
}

function image(images, name, alt, className) {
  const url = images.get(name);
  if (url) return el('img', { src: url, alt, className });
  return el('span', {
    className: `${className} placeholder`,
    role: 'img',
    'aria-label': `${alt} (not available)`,
    text: name,
  });
}

function paragraphs(text) {
  return String(text || '')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => el('p', { text: p }));
}

function link(href, text) {
  try {
    const url = new URL(href);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return el('li', null, [el('a', { href: url.href, rel: 'noopener noreferrer', target: '_blank', text })]);
  } catch {
    return null;
  }
}

export async function showPreview(offerId, query) {
  stopPreview();
  const hidekey = new URLSearchParams(query || '').get('hidekey') || '';
  const body = el('div', { id: 'preview-page' }, [el('p', { role: 'status', text: 'Loading the preview…' })]);
  showView(
    `Preview of ${offerId}`,
    el('section', { id: 'preview-view', 'aria-labelledby': 'preview-title' }, [
      el('p', { className: 'back' }, [el('a', { href: `#/offers/${offerId}`, text: '← Status' })]),
      el('p', {
        className: 'preview-banner',
        text: 'Preview: only people with this link can see this page.',
      }),
      body,
    ]),
  );
  const keyQuery = `?hidekey=${encodeURIComponent(hidekey)}`;
  let preview;
  try {
    preview = await api('GET', offerPath(offerId, `/preview${keyQuery}`));
  } catch (error) {
    clear(body);
    body.append(
      el('h1', { id: 'preview-title', tabindex: '-1', text: 'No preview' }),
      el('p', { text: error.status === 404 ? 'This preview link is wrong or out of date.' : error.message }),
    );
    return;
  }
  const listing = preview.manifest || {};
  const app = listing.app || {};
  const storefront = listing.storefront || {};
  const screenshots = Array.isArray(storefront.screenshots) ? storefront.screenshots : [];
  const packagePath = offerPath(offerId, `/preview/package${keyQuery}`);
  const names = [storefront.logo, ...screenshots].filter(Boolean);
  const images = names.length > 0 ? await packageImages(packagePath, names) : new Map();
  if (!$('preview-page')) return;
  const title = listing.name || offerId;
  clear(body);
  body.append(
    el('header', { className: 'listing-head' }, [
      storefront.logo ? image(images, storefront.logo, `${title} logo`, 'listing-logo') : null,
      el('div', null, [
        el('h1', { id: 'preview-title', tabindex: '-1', text: title }),
        el('p', {
          className: 'muted',
          text: [app.publisher ? `by ${app.publisher}` : '', app.version ? `version ${app.version}` : '']
            .filter(Boolean)
            .join(' · '),
        }),
        listing.summary ? el('p', { className: 'listing-summary', text: listing.summary }) : null,
        el('p', null, [
          el('a', {
            className: 'button',
            href: API + packagePath,
            download: '',
            text: 'Download the preview package',
          }),
        ]),
      ]),
    ]),
    Array.isArray(listing.categories) && listing.categories.length > 0
      ? el('p', null, ['Categories: ', listing.categories.join(', ')])
      : null,
    el('section', { 'aria-labelledby': 'listing-overview' }, [
      el('h2', { id: 'listing-overview', text: 'Overview' }),
      ...paragraphs(listing.description),
    ]),
    screenshots.length > 0
      ? el('section', { 'aria-labelledby': 'listing-screenshots' }, [
          el('h2', { id: 'listing-screenshots', text: 'Screenshots' }),
          el(
            'ul',
            { className: 'screenshots' },
            screenshots.map((name, i) =>
              el('li', null, [image(images, name, `Screenshot ${i + 1} of ${title}`, 'listing-shot')]),
            ),
          ),
        ])
      : null,
    el('section', { 'aria-labelledby': 'listing-links' }, [
      el('h2', { id: 'listing-links', text: 'Links' }),
      el('ul', null, [
        link(listing.supportUrl, 'Support'),
        link(listing.privacyPolicyUrl, 'Privacy policy'),
        link(listing.eulaUrl, 'License agreement'),
      ]),
    ]),
  );
}
