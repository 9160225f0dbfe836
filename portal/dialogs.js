/* global document */
/*
 * Modal dialogs (the seed's "pop-up"): native <dialog> with showModal, so focus is trapped and
 * Escape closes it. While one is open the page behind it is hidden from everyone, a screen reader
 * and an automated test alike: the only "Publish" button is then the dialog's.
 */
import { el } from './dom.js';

let fieldCount = 0;

/**
 * Opens a dialog with one labelled input. `confirm(value)` runs on submit; it resolves to close the
 * dialog or throws an Error whose message is shown in the dialog. Resolves to true when confirmed.
 */
export function askInDialog({ title, text, inputLabel, type, value, hint, confirmText, confirm }) {
  const shell = document.getElementById('shell');
  const opener = document.activeElement;
  const id = `dialog-input-${++fieldCount}`;
  const input = el('input', {
    id,
    type: type || 'text',
    required: true,
    autocomplete: type === 'email' ? 'email' : 'off',
    'aria-describedby': hint ? `${id}-hint` : undefined,
  });
  input.value = value || '';
  const error = el('p', { className: 'warning', id: `${id}-error`, role: 'alert', hidden: true });
  const submit = el('button', { type: 'submit', text: confirmText });
  const close = el('button', { type: 'button', className: 'secondary', text: 'Close' });
  const form = el('form', { method: 'dialog', className: 'stack', novalidate: true }, [
    el('h2', { id: `${id}-title`, text: title }),
    text ? el('p', { text }) : null,
    el('label', { for: id, text: inputLabel }),
    hint ? el('p', { className: 'hint', id: `${id}-hint`, text: hint }) : null,
    input,
    error,
    el('div', { className: 'buttons' }, [submit, close]),
  ]);
  const dialog = el('dialog', { 'aria-labelledby': `${id}-title` }, [form]);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let confirmed = false;
    const finish = () => {
      shell.classList.remove('behind-dialog');
      dialog.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(confirmed);
    };
    dialog.addEventListener('close', finish);
    close.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const given = input.value.trim();
      if (!given || !input.checkValidity()) {
        error.textContent = `Give the ${inputLabel.toLowerCase()}.`;
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', error.id);
        input.focus();
        return;
      }
      submit.disabled = true;
      error.hidden = true;
      try {
        await confirm(given);
        confirmed = true;
        dialog.close();
      } catch (failure) {
        error.textContent = failure.message;
        error.hidden = false;
        input.setAttribute('aria-describedby', error.id);
        submit.disabled = false;
        input.focus();
      }
    });
    dialog.showModal();
    shell.classList.add('behind-dialog');
    input.focus();
  });
}

/**
 * A question with two buttons that say what they do ("Cancel submission" / "Keep the submission"),
 * never the browser's OK / Cancel. Resolves to true when the first was pressed; Escape keeps.
 */
export function confirmDialog({ title, text, confirmText, keepText, danger }) {
  const shell = document.getElementById('shell');
  const opener = document.activeElement;
  const id = `dialog-confirm-${++fieldCount}`;
  const yes = el('button', { type: 'button', className: danger ? 'danger' : '', text: confirmText });
  const keep = el('button', { type: 'button', className: 'secondary', text: keepText });
  const dialog = el('dialog', { 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-text` }, [
    el('div', { className: 'stack' }, [
      el('h2', { id: `${id}-title`, text: title }),
      el('p', { id: `${id}-text`, text }),
      el('div', { className: 'buttons' }, [keep, yes]),
    ]),
  ]);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let confirmed = false;
    dialog.addEventListener('close', () => {
      shell.classList.remove('behind-dialog');
      dialog.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(confirmed);
    });
    keep.addEventListener('click', () => dialog.close());
    yes.addEventListener('click', () => {
      confirmed = true;
      dialog.close();
    });
    dialog.showModal();
    shell.classList.add('behind-dialog');
    // The safe choice has the focus: Enter does not cancel by accident.
    keep.focus();
  });
}
