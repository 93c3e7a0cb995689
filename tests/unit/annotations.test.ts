// Groups and comment notes in the graph file: the schema and the reference checks, and the pure
// document edits the editor makes with them (group, ungroup, delete, copy/paste, save).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph, parseGraphText } from '../../src/doc/load';
import type { GraphDoc } from '../../src/doc/schema';
import { compile } from '../../src/compiler/compile';
import { docToText, extractFragment, pasteFragment, removeItems } from '../../src/app/store/doc-ops';
import { addComment, groupNodes, pruneGroups, setComment, setGroup, ungroup } from '../../src/app/store/annotation-ops';

const g2p = (): GraphDoc => {
  const r = parseGraphText(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8'));
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.doc;
};

function problems(patch: (raw: Record<string, unknown>) => void): string[] {
  const raw = JSON.parse(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8')) as Record<string, unknown>;
  patch(raw);
  const r = checkGraph(raw);
  return r.ok ? [] : r.diagnostics.map((d) => `${d.path}: ${d.message}`);
}

describe('groups and comments in the file', () => {
  it('the G2P example holds a group and a note, and they do not change the model', () => {
    const doc = g2p();
    expect(doc.groups).toEqual([{ id: 'g_encoder', name: 'Encoder', color: '#4c7be8', nodes: ['emb', 'enc'] }]);
    expect(doc.comments![0].text).toMatch(/^Letters in, phonemes out/);
    const bare = { ...doc, groups: undefined, comments: undefined };
    const a = compile(doc).program!;
    const b = compile(bare).program!;
    expect(a.ops.map((o) => o.op)).toEqual(b.ops.map((o) => o.op));
  });

  it('refuses, with where and why: unknown members, a node in two groups, shared ids, colours that are not #rrggbb', () => {
    expect(problems((r) => ((r.groups as { nodes: string[] }[])[0].nodes = ['emb', 'nope']))).toEqual(['groups[0].nodes[1]: group "Encoder": no node with id "nope"']);
    expect(
      problems((r) => (r.groups as unknown[]).push({ id: 'g2', name: 'Again', nodes: ['enc'] })),
    ).toEqual(['groups[1].nodes[0]: group "Again": node "encoder" is already in group "Encoder"; a node is in one group at most']);
    expect(problems((r) => ((r.comments as { id: string }[])[0].id = 'g_encoder'))).toEqual(['comments[0].id: duplicate group or comment id "g_encoder" (also groups[0])']);
    expect(problems((r) => ((r.groups as { color: string }[])[0].color = 'red;background:url(x)'))).toEqual(['groups[0].color: a colour is #rrggbb']);
    expect(problems((r) => ((r.groups as { nodes: string[] }[])[0].nodes = []))).toEqual(['groups[0].nodes: a group holds at least one node']);
    expect(problems((r) => ((r.comments as Record<string, unknown>[])[0].script = 'x'))[0]).toMatch(/^comments\[0\]/);
  });

  it('saves both sections and reads them back as they were', () => {
    const doc = g2p();
    const again = parseGraphText(docToText(doc));
    expect(again.ok && again.doc.groups).toEqual(doc.groups);
    expect(again.ok && again.doc.comments).toEqual(doc.comments);
    // an empty section is left out of the file
    expect(docToText(ungroup(doc, ['g_encoder']))).not.toContain('"groups"');
  });

  it('keeps the sections it does not edit (a training setup) when it saves', () => {
    const r = parseGraphText(readFileSync('tests/fixtures/graphs/seq2seq-teacher-forcing.json', 'utf8'));
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.doc.training).toBeDefined();
    const again = parseGraphText(docToText(r.doc));
    expect(again.ok && again.doc.training).toEqual(r.doc.training);
  });
});

describe('group and comment edits', () => {
  it('groups nodes (taking them from their old group), names and colours it, folds it, ungroups', () => {
    const doc = g2p();
    const r = groupNodes(doc, ['enc', 'dec'], 'Seq2seq')!;
    expect(r.doc.groups!.map((g) => [g.name, g.nodes])).toEqual([
      ['Encoder', ['emb']],
      ['Seq2seq', ['enc', 'dec']],
    ]);
    const named = setGroup(setGroup(r.doc, r.id, { color: '#d6456b' }), r.id, { collapsed: true });
    expect(named.groups![1]).toMatchObject({ color: '#d6456b', collapsed: true });
    expect(setGroup(named, r.id, { collapsed: false }).groups![1]).not.toHaveProperty('collapsed');
    expect(ungroup(named, [r.id]).groups).toEqual([{ id: 'g_encoder', name: 'Encoder', color: '#4c7be8', nodes: ['emb'] }]);
    expect(checkGraph(JSON.parse(docToText(named))).ok).toBe(true);
  });

  it('deleting nodes takes them out of their group; an emptied group goes', () => {
    const doc = g2p();
    expect(removeItems(doc, ['emb'], []).groups![0].nodes).toEqual(['enc']);
    expect(removeItems(doc, ['emb', 'enc'], []).groups).toBeUndefined();
    expect(pruneGroups(doc)).toBe(doc);
  });

  it('copy and paste bring a selected frame’s group and nodes, and selected notes, with fresh ids', () => {
    const doc = g2p();
    const frag = extractFragment(doc, ['group:g_encoder', 'comment:note_attention'])!;
    expect(frag.nodes.map((n) => n.id)).toEqual(['emb', 'enc']);
    expect(frag.edges.map((e) => [e.source.node, e.target.node])).toEqual([['emb', 'enc']]);
    const p = pasteFragment(doc, frag, { x: 40, y: 40 });
    const group = p.doc.groups![1];
    expect(group.id).not.toBe('g_encoder');
    expect(group.nodes.map((id) => p.doc.nodes.find((n) => n.id === id)!.name)).toEqual(['letters_2', 'encoder_2']);
    const note = p.doc.comments![1];
    expect(note.text).toBe(doc.comments![0].text);
    expect(note.position).toEqual({ x: doc.comments![0].position.x + 40, y: doc.comments![0].position.y + 40 });
    expect(p.ids).toEqual([...group.nodes, `group:${group.id}`, `comment:${note.id}`]);
    // copying one node of a group copies the node, not the group
    expect(extractFragment(doc, ['enc'])!.groups).toEqual([]);
    expect(checkGraph(JSON.parse(docToText(p.doc))).ok).toBe(true);
  });

  it('adds and edits notes', () => {
    const r = addComment(g2p(), { x: 10.4, y: 20.6 }, 'hello');
    const c = r.doc.comments!.find((x) => x.id === r.id)!;
    expect(c).toMatchObject({ text: 'hello', position: { x: 10, y: 21 } });
    const moved = setComment(r.doc, r.id, { position: { x: 10, y: 21 } });
    expect(moved).toBe(r.doc); // nothing changed: the same document
    expect(setComment(r.doc, r.id, { text: 'bye', width: 300 }).comments!.find((x) => x.id === r.id)).toMatchObject({ text: 'bye', width: 300 });
  });
});
