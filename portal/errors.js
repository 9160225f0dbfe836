/* The page's error box: an API error in the portal's words, each refused field by its label. */
import { $, el, clear } from './dom.js';
import { errorSentence, fieldMessage, fieldName } from './words.js';

export function showPageError(error) {
  const box = $('page-error');
  clear(box);
  if (!error) {
    box.hidden = true;
    return;
  }
  const details = error.details || [];
  box.append(
    el('p', {
      text: errorSentence(error, details.length > 0 ? 'Some fields need attention:' : undefined),
    }),
  );
  if (details.length > 0) {
    box.append(
      el(
        'ul',
        null,
        details.map((d) => el('li', { text: `${fieldName(d.path)}: ${fieldMessage(d.path, d.message)}` })),
      ),
    );
  }
  box.hidden = false;
}

/** A sentence for an error, for status lines. */
export function explain(error) {
  return errorSentence(error);
}
