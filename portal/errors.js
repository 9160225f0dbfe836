/* The page's error box: an API error's sentence and its field-level details, as text. */
import { $, el, clear } from './dom.js';

export function showPageError(error) {
  const box = $('page-error');
  clear(box);
  if (!error) {
    box.hidden = true;
    return;
  }
  box.append(el('p', { text: error.message }));
  if (error.details && error.details.length > 0) {
    box.append(
      el(
        'ul',
        null,
        error.details.map((d) => el('li', { text: d.path ? `${d.path}: ${d.message}` : d.message })),
      ),
    );
  }
  box.hidden = false;
}

/** A sentence for an error, for status lines. */
export function explain(error) {
  return error && error.message ? error.message : String(error);
}
