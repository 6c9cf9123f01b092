/**
 * An attestation's, a cosign signature's or a Notary Project signature's page sections: what it
 * claims and about what (its subjects, or the manifest it signs, open their pages), who signed it
 * as its bundle, its layer's annotations or its certificate chain say, and the payload decoded
 * from an envelope. Nothing here is verified,
 * and the section says so, with the tool that does verify.
 */
import { clipped, h, icon, type Child } from '../dom';
import type { AttestationSection, Fact, PageModel } from '../../protocol';
import { cell, digestLink, factValue, muted, problem, row, section, table, type PageContext } from './common';
import { renderJson } from './json-view';

export function renderAttestation(ctx: PageContext, page: PageModel): HTMLElement[] {
  const attestation = page.attestation;
  if (!attestation) return [];
  const signature = attestation.title === 'Signature';
  const parts: Child[] = [
    factList(ctx, attestation.facts),
    h(
      'p',
      { class: 'muted not-verified' },
      icon('unverified'),
      ' Read, not verified: no signature is checked here. ',
      ...(attestation.verifiedWith === 'notation'
        ? [h('code', {}, 'notation verify'), ' checks it against a trust policy.']
        : signature
          ? [h('code', {}, 'cosign verify'), ' checks it.']
          : [h('code', {}, 'cosign verify-attestation'), ' or ', h('code', {}, 'gh attestation verify'), ' checks who signed it.']),
    ),
  ];
  if (attestation.problem) parts.push(problem(attestation.problem));
  if (attestation.subjects.length) parts.push(h('h3', {}, signature ? 'Signs' : 'Subjects'), subjectTable(ctx, attestation));
  if (attestation.predicate.length)
    parts.push(h('h3', {}, signature ? "Signer's annotations" : 'What it says'), factList(ctx, attestation.predicate));
  const sections = [section(attestation.title, signature ? 'verified' : 'law', parts, { id: 'attestation' })];
  if (attestation.payload)
    sections.push(
      section(
        attestation.verifiedWith === 'notation' ? 'Signed payload, decoded' : 'Statement, decoded from the payload',
        'json',
        renderJson(ctx, attestation.payload, undefined),
        { id: 'payload' },
      ),
    );
  else if (attestation.payloadText)
    sections.push(
      section('Payload, decoded', 'note', h('pre', { class: 'mono wrap payload-text' }, clipped(attestation.payloadText)), {
        id: 'payload',
      }),
    );
  return sections;
}

function factList(ctx: PageContext, facts: readonly Fact[]): HTMLElement {
  return h('dl', { class: 'facts' }, ...facts.flatMap((fact) => [h('dt', {}, fact.label), h('dd', {}, factValue(ctx, fact))]));
}

function subjectTable(ctx: PageContext, attestation: AttestationSection): HTMLElement {
  const rows = attestation.subjects.map((subject) =>
    row(
      cell('wrap', subject.name ? clipped(subject.name, 'mono') : muted('no name')),
      cell('mono', subject.link ? digestLink(ctx, subject.digest.text, subject.link) : clipped(subject.digest)),
    ),
  );
  const body: Child[] = [table(['Name', 'Digest'], rows, 'subjects')];
  if (attestation.subjectsOmitted)
    body.push(muted(`${attestation.subjectsOmitted.toLocaleString('en-US')} more subjects are not listed here; the JSON lists them.`));
  return h('div', {}, ...body);
}
