/* global CSS */
/*
 * Form helpers: labelled fields that know the API path they edit, and warnings shown beside the
 * field they name (its accessible description, aria-describedby) with a summary at the top that
 * links to each field. Paths are api.md's: `summary`, `app.version`, `storefront.screenshots[0]`.
 */
import { $, el, clear } from './dom.js';
import { fieldMessage, fieldName } from './words.js';

let fieldCount = 0;

/**
 * A labelled control for `path`. `kind` is input (with `type`), textarea or select (`options`
 * [[value, text]]). Returns the wrapper; the control is `wrapper.control`.
 */
export function field(labelText, path, options = {}) {
  const id = options.id || `field-${++fieldCount}`;
  const kind = options.kind || 'input';
  const attrs = { id, name: path, dataset: { path } };
  let control;
  if (kind === 'textarea') control = el('textarea', { ...attrs, rows: options.rows || 4 });
  else if (kind === 'select')
    control = el(
      'select',
      attrs,
      (options.options || []).map(([value, text]) => el('option', { value, text })),
    );
  else
    control = el('input', {
      ...attrs,
      type: options.type || 'text',
      autocomplete: options.autocomplete || 'off',
      inputmode: options.inputmode,
      accept: options.accept,
      multiple: options.multiple,
      placeholder: options.placeholder,
      spellcheck: options.type === 'url' ? 'false' : undefined,
    });
  const hint = options.hint ? el('p', { className: 'hint', id: `${id}-hint`, text: options.hint }) : null;
  const warning = el('p', { className: 'warning', id: `${id}-warning`, hidden: true });
  if (hint) control.setAttribute('aria-describedby', hint.id);
  const wrapper = el('div', { className: `field${options.wide ? ' wide' : ''}`, dataset: { path } }, [
    el('label', { for: id, text: labelText }),
    hint,
    control,
    warning,
    ...(options.after || []),
  ]);
  wrapper.control = control;
  wrapper.warning = warning;
  wrapper.hint = hint;
  return wrapper;
}

/** A checkbox with its label after it. */
export function checkbox(labelText, path) {
  const id = `field-${++fieldCount}`;
  const control = el('input', { id, type: 'checkbox', name: path, dataset: { path } });
  const warning = el('p', { className: 'warning', id: `${id}-warning`, hidden: true });
  const wrapper = el('div', { className: 'field checkbox', dataset: { path } }, [
    control,
    el('label', { for: id, text: labelText }),
    warning,
  ]);
  wrapper.control = control;
  wrapper.warning = warning;
  wrapper.hint = null;
  return wrapper;
}

/** Which entry of a list field a path names, in words: `storefront.screenshots[1]` → "Screenshot 2". */
function itemOf(path) {
  const m = /^(storefront\.screenshots|categories|mandatoryAffixes)\[(\d+)\]/.exec(String(path || ''));
  if (!m) return '';
  const noun = { 'storefront.screenshots': 'Screenshot', categories: 'Category', mandatoryAffixes: 'Affix' }[
    m[1]
  ];
  return `${noun} ${Number(m[2]) + 1}`;
}

/** `storefront.screenshots[2]` → `storefront.screenshots`; `package.app.version` → `package`. */
function candidates(path) {
  const plain = String(path || '').replace(/\[\d+\]/g, '');
  const parts = plain.split('.');
  const out = [];
  for (let n = parts.length; n > 0; n--) out.push(parts.slice(0, n).join('.'));
  return out;
}

/** The field (wrapper) in `form` that a finding's path names, or null. */
export function fieldFor(form, path) {
  for (const name of candidates(path)) {
    const found = form.querySelector(`.field[data-path="${CSS.escape(name)}"]`);
    if (found && !found.closest('[hidden]')) return found;
  }
  return null;
}

/**
 * Shows `findings` ({path, message, severity?, source?}) beside their fields and lists them in
 * `summary` with links to the fields. Findings whose field is not shown are listed without a link.
 */
export function showWarnings(form, summary, findings) {
  for (const wrapper of form.querySelectorAll('.field')) {
    if (!wrapper.warning) continue;
    clear(wrapper.warning);
    wrapper.warning.hidden = true;
    wrapper.classList.remove('has-warning');
    const control = wrapper.control;
    if (wrapper.hint) control.setAttribute('aria-describedby', wrapper.hint.id);
    else control.removeAttribute('aria-describedby');
    control.removeAttribute('aria-invalid');
  }
  clear(summary);
  summary.hidden = findings.length === 0;
  if (findings.length === 0) return;
  const items = [];
  for (const finding of findings) {
    const wrapper = fieldFor(form, finding.path);
    const text = fieldMessage(finding.path, finding.message);
    const item = itemOf(finding.path);
    if (wrapper && wrapper.warning) {
      const line = el('span', { className: finding.severity === 'warning' ? 'soft' : '' }, [
        item ? `${item}: ` : '',
        text,
      ]);
      if (wrapper.warning.childNodes.length > 0) wrapper.warning.append(el('br'));
      wrapper.warning.append(line);
      wrapper.warning.hidden = false;
      wrapper.classList.add('has-warning');
      // The warning is the field's description, read with it; the hint is shown but the warning says more.
      wrapper.control.setAttribute('aria-describedby', wrapper.warning.id);
      if (finding.severity !== 'warning') wrapper.control.setAttribute('aria-invalid', 'true');
    }
    const name = wrapper ? wrapper.querySelector('label').textContent : fieldName(finding.path);
    const content = `${name}${item ? `, ${item.toLowerCase()}` : ''}: ${text}`;
    items.push(
      el('li', null, [
        wrapper
          ? el('a', {
              href: `#${wrapper.control.id}`,
              text: content,
              onclick: (event) => {
                // The hash is the router's: move focus to the field instead of navigating.
                event.preventDefault();
                wrapper.control.focus();
                wrapper.scrollIntoView({ block: 'center' });
              },
            })
          : el('span', { text: content }),
      ]),
    );
  }
  const count = findings.length;
  summary.append(
    el('h2', { id: 'warnings-heading', text: `${count} thing${count === 1 ? '' : 's'} to fix` }),
    el('ul', null, items),
  );
}

/** A status line a screen reader announces (role=status). */
export function say(id, text) {
  const node = $(id);
  if (node) node.textContent = text || '';
}

/** A comma-separated list as an array (empty entries dropped). */
export function listValue(text) {
  return String(text || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
