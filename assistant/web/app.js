// The page of policy-assistant: ask a question (/) or read a document clause by clause (/documents/<id>).
// Every piece of text from the server goes into the page as a text node (textContent), never as HTML.
"use strict";

// Short ones first: on a phone the examples are one row that scrolls, and the first ones show.
const EXAMPLES = [
  "失业补助金最长能领几个月？",
  "创业带动就业，每个岗位补贴多少",
  "小微企业招用今年毕业的大学生，一次性吸纳就业补贴是多少钱？",
  "灵活就业人员只交了养老保险没交医保，每月补贴多少钱",
];
const FURTHER_CLAUSES = 4; // matches shown folded under the answer
const MAX_TAGS = 8;

// ---------------------------------------------------------------------------------------------
// Small helpers

/** An element with attributes and children; strings become text nodes, so nothing is parsed as HTML. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, data: null };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // a proxy's HTML error page, say: the status alone tells what to show
  }
  return { ok: response.ok, status: response.status, data };
}

function errorText(status) {
  if (status === 0) return "网络连接失败，请检查网络后重试。";
  if (status === 429) return "提问太频繁了，请稍等片刻再试。";
  if (status === 413 || status === 422) return "问题的格式不对：请输入 1 到 500 字的问题。";
  if (status === 503) return "政策库正在加载，请稍后再试。";
  if (status === 404) return "没有找到这份文件或这一条款，可能政策库已经更新。";
  return "服务暂时出了问题，请稍后再试。";
}

function errorCard(status) {
  return el("article", { class: "card error-card", role: "alert" }, el("p", { text: errorText(status) }));
}

const clauseHref = (clauseId) => `/clauses/${encodeURIComponent(clauseId)}`;
const documentHref = (docId) => `/documents/${encodeURIComponent(docId)}`;

/** The section path without the document title it starts with: 《保居民就业工作方案》二、（三）10 -> 二、（三）10. */
function sectionWithoutTitle(section, title) {
  const prefix = `《${title}》`;
  return section.startsWith(prefix) ? section.slice(prefix.length) : section;
}

/**
 * The clause text with the answer marked. The offsets count Unicode code points (they come from
 * Python), while JavaScript strings count UTF-16 units, so the text is split by code point first.
 */
function highlightedText(text, start, end) {
  const chars = Array.from(text);
  const from = Math.max(0, Math.min(start, chars.length));
  const to = Math.max(from, Math.min(end, chars.length));
  const before = chars.slice(0, from).join("");
  const marked = chars.slice(from, to).join("");
  const after = chars.slice(to).join("");
  return el("p", { class: "clause-text" }, before, marked ? el("mark", {}, marked) : null, after);
}

// ---------------------------------------------------------------------------------------------
// The answer

function sourceLink(citation) {
  const section = sectionWithoutTitle(citation.section, citation.doc_title);
  return el("a", { class: "source-link", href: clauseHref(citation.clause_id) },
    el("span", { class: "doc-title", text: citation.doc_title }),
    section ? el("span", { class: "section-path", text: section }) : null);
}

function departmentsLine(facts) {
  const leads = (facts && facts.lead_departments) || [];
  if (!leads.length) return null;
  const names = leads.map((d) => (d.person ? `${d.name}（${d.person}）` : d.name)).join("、");
  return el("p", { class: "departments" }, el("span", { class: "field-label", text: "牵头单位" }), names);
}

function factTags(facts) {
  if (!facts) return null;
  const tags = [];
  const add = (kind, text) => {
    if (text && !tags.some((t) => t.text === text)) tags.push({ kind, text });
  };
  (facts.amounts || []).forEach((text) => add("amount", text));
  (facts.dates || []).filter((d) => d.role === "deadline").forEach((d) => add("deadline", `截至${d.text}`));
  (facts.periods || []).forEach((text) => add("period", text));
  (facts.rates || []).forEach((text) => add("rate", text));
  if (!tags.length) return null;
  return el("ul", { class: "tags", "aria-label": "条款要点" },
    tags.slice(0, MAX_TAGS).map((t) => el("li", { class: `tag tag-${t.kind}`, text: t.text })));
}

function validityNote(validity) {
  if (!validity || !validity.note) return null;
  const status = ["expired", "in_force"].includes(validity.status) ? validity.status : "unknown";
  return el("p", { class: `validity validity-${status}`, text: validity.note });
}

function citedClause(citation) {
  return el("section", { class: "citation" },
    sourceLink(citation),
    highlightedText(citation.text, citation.answer_start, citation.answer_end));
}

const CONFIDENCE = {
  high: "可信度高：条款与问题高度吻合",
  medium: "可信度中：请对照原文核实",
  low: "可信度低：仅供参考，请务必查看原文",
};

function confidenceNote(confidence) {
  const level = CONFIDENCE[confidence] ? confidence : "low";
  return el("p", { class: `confidence confidence-${level}`, text: CONFIDENCE[level] });
}

function answerCard(answer) {
  const top = answer.citations[0];
  return el("article", { class: "card answer-card" },
    el("h2", { class: "card-label", text: "答案" }),
    el("p", { class: "answer-text", text: answer.answer }),
    confidenceNote(answer.confidence),
    validityNote(answer.validity),
    el("div", { class: "source" },
      el("h3", { class: "card-label", text: "出处" }),
      sourceLink(top),
      departmentsLine(answer.facts),
      factTags(answer.facts),
      el("blockquote", { class: "clause" },
        highlightedText(top.text, top.answer_start, top.answer_end))));
}

function furtherClauses(citations) {
  const more = citations.slice(1, 1 + FURTHER_CLAUSES);
  if (!more.length) return null;
  return el("details", { class: "card further" },
    el("summary", { text: `其他可能相关的条款（${more.length}）` }),
    more.map(citedClause));
}

function abstentionCard(answer) {
  const related = answer.citations || [];
  return el("article", { class: "card abstain-card" },
    el("h2", { class: "abstain-title", text: related.length ? "没有找到确切答案" : "没有找到相关条款" }),
    el("p", { class: "hint", text: answer.message || "可以换个说法再问，或写明政策事项和对象。" }),
    related.length ? el("div", { class: "related" }, related.map(citedClause)) : null);
}

function renderAnswer(answer) {
  if (!answer.answered || !answer.citations.length) return [abstentionCard(answer)];
  return [answerCard(answer), furtherClauses(answer.citations)].filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// The question view

async function ask(question) {
  const result = document.getElementById("result");
  const button = document.getElementById("ask-button");
  button.disabled = true;
  result.setAttribute("aria-busy", "true");
  result.replaceChildren(el("p", { class: "loading", text: "正在查找政策条款…" }));
  const { ok, status, data } = await api("/v1/ask", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ question, top_k: 1 + FURTHER_CLAUSES }),
  });
  result.replaceChildren(...(ok && data ? renderAnswer(data) : [errorCard(status)]));
  result.removeAttribute("aria-busy");
  button.disabled = false;
  // On a phone the answer may start below the fold: bring its top into view.
  if (result.getBoundingClientRect().top > window.innerHeight * 0.6) result.scrollIntoView({ block: "start" });
  // The question stays in the address, so an answer can be shared and "back" from a document returns to it.
  history.replaceState(null, "", `/?q=${encodeURIComponent(question)}`);
}

async function listDocuments() {
  const list = document.getElementById("document-list");
  const { ok, data } = await api("/v1/documents");
  if (!ok || !data) return;
  list.replaceChildren(...data.documents.map((d) =>
    el("li", {},
      el("a", { href: documentHref(d.doc_id), text: d.title }),
      el("span", { class: "count", text: `${d.clause_count} 条` }))));
}

function showAskView() {
  document.getElementById("ask-view").hidden = false;
  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const submit = () => {
    const question = input.value.trim();
    if (question) ask(question);
    else input.focus();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (event) => {
    // Enter asks, as in a search box; Shift+Enter still makes a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  document.getElementById("examples").replaceChildren(...EXAMPLES.map((example) =>
    el("button", { type: "button", class: "chip", text: example, onclick: () => {
      input.value = example;
      ask(example);
    } })));
  listDocuments();
  const asked = new URLSearchParams(location.search).get("q");
  if (asked && asked.trim()) {
    input.value = asked;
    ask(asked.trim());
  }
}

// ---------------------------------------------------------------------------------------------
// The document view

function outlineList(sections) {
  return el("ol", {}, sections.map((s) =>
    el("li", {},
      el("a", { href: `#clause-${s.clause_id}`, text: `${s.label}${s.title}` }),
      s.children.length ? outlineList(s.children) : null)));
}

function outlineBlock(outline) {
  if (!outline.length) return null;
  return el("details", { class: "card toc", open: window.matchMedia("(min-width: 900px)").matches },
    el("summary", { text: "目录" }), outlineList(outline));
}

/** Clauses in reading order, with a heading wherever the enclosing sections change. */
function clauseElements(doc) {
  const nodes = [];
  let previous = [];
  for (const clause of doc.clauses) {
    const path = clause.path;
    let depth = 0;
    while (depth < path.length && depth < previous.length && path[depth].title === previous[depth].title) depth += 1;
    for (; depth < path.length; depth += 1) {
      const level = Math.min(depth + 2, 5);
      nodes.push(el(`h${level}`, { class: `section-heading depth-${depth}`, text: `${path[depth].label}${path[depth].title}` }));
    }
    previous = path;
    const section = sectionWithoutTitle(clause.section, doc.title);
    // The full path is shown only on the clause a link led to: its headings may be far above it.
    const trail = path.map((step) => `${step.label}${step.title}`).join(" › ");
    nodes.push(el("article", { class: "clause-item", id: `clause-${clause.clause_id}` },
      trail ? el("p", { class: "clause-trail", text: trail }) : null,
      el("a", { class: "clause-anchor", href: `#clause-${clause.clause_id}`, title: "本条链接", text: section || "正文" }),
      el("p", { class: "clause-text", text: clause.text })));
  }
  return nodes;
}

function documentMeta(doc) {
  const parts = [doc.issuer, doc.doc_number, doc.issued && `${doc.issued} 印发`, doc.expires && `有效期至 ${doc.expires}`];
  return el("p", { class: "doc-meta", text: parts.filter(Boolean).join(" · ") });
}

function focusTarget() {
  document.querySelectorAll(".clause-item.is-target").forEach((node) => node.classList.remove("is-target"));
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  if (target) {
    target.classList.add("is-target");
    target.scrollIntoView({ block: "start" });
  }
}

async function showDocumentView(docId) {
  document.getElementById("document-view").hidden = false;
  const container = document.getElementById("document");
  container.replaceChildren(el("p", { class: "loading", text: "正在打开文件…" }));
  const { ok, status, data } = await api(`/v1/documents/${encodeURIComponent(docId)}`);
  if (!ok || !data) {
    container.replaceChildren(errorCard(status));
    return;
  }
  document.title = `${data.title} - 政策问答`;
  container.replaceChildren(
    el("header", { class: "doc-header" }, el("h1", { text: data.title }), documentMeta(data),
      el("p", { class: "doc-count", text: `共 ${data.clause_count} 条` })),
    outlineBlock(data.outline),
    el("div", { class: "clauses" }, clauseElements(data)));
  focusTarget();
  window.addEventListener("hashchange", focusTarget);
}

// ---------------------------------------------------------------------------------------------

function route() {
  const match = location.pathname.match(/^\/documents\/(.+)$/);
  if (match) showDocumentView(decodeURIComponent(match[1]));
  else showAskView();
}

route();
