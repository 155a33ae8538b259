import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, flag, html, raw } from './html.ts';
import { formatMoney, translator, defineMessages } from './i18n.ts';

describe('html tag', () => {
  it('escapes every interpolated string, in text and in attributes', () => {
    const evil = `<script>alert("x")</script>' onmouseover='y`;
    const out = html`<p title="${evil}">${evil}</p>`.value;
    assert.equal(out.includes('<script>'), false);
    assert.equal(out, `<p title="${escapeHtml(evil)}">${escapeHtml(evil)}</p>`);
    assert.match(out, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&#39; onmouseover=&#39;y/);
  });

  it('keeps nested templates and raw markup as they are, and flattens arrays', () => {
    const items = ['a<b', 'c'];
    const out = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${raw('<hr>')}`.value;
    assert.equal(out, '<ul><li>a&lt;b</li><li>c</li></ul><hr>');
  });

  it('drops null, undefined and booleans; prints numbers', () => {
    assert.equal(html`${null}${undefined}${false}${true}${0}${12.5}`.value, '012.5');
    assert.equal(html`<input${flag('checked', true)}${flag('disabled', false)}>`.value, '<input checked>');
  });
});

describe('i18n', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    const m = defineMessages({ fr: { hi: 'Bonjour {name} ({missing})' }, en: { hi: 'Hello {name} ({missing})' } });
    assert.equal(translator(m, 'fr')('hi', { name: 'Ana' }), 'Bonjour Ana ({missing})');
    assert.equal(translator(m, 'en')('hi', { name: 'Ana' }), 'Hello Ana ({missing})');
  });

  it('formats euros the French way', () => {
    assert.equal(formatMoney(4499, 'fr').replace(/\s/g, ' '), '44,99 €');
    assert.equal(formatMoney(12999, 'en'), '€129.99');
  });
});
