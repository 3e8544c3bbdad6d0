// window.bjEditor: turns a <textarea> into a CodeMirror editor that keeps the textarea's
// value in sync, so the surrounding form posts the code without further JavaScript.
import { basicSetup } from "codemirror";
import { EditorView } from "@codemirror/view";
import { Compartment } from "@codemirror/state";
import { cpp } from "@codemirror/lang-cpp";
import { python } from "@codemirror/lang-python";
import { java } from "@codemirror/lang-java";
import { javascript } from "@codemirror/lang-javascript";

// Keys are the ids in src/batchjudge/languages/builtin/*/language.toml; C uses the C++ mode.
const modes = {
  c: cpp,
  cpp17: cpp,
  python3: python,
  java: java,
  javascript: javascript,
};

function languageExtension(id) {
  const mode = modes[id];
  return mode ? mode() : [];
}

function labelFor(textarea) {
  if (textarea.id) {
    const label = document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`);
    if (label && label.textContent.trim()) return label.textContent.trim();
  }
  return textarea.getAttribute("aria-label") || "Source code";
}

// basicSetup does not bind Tab, so Tab keeps moving focus out of the editor.
const theme = EditorView.theme({
  "&": { border: "1px solid #767676", fontSize: "14px" },
  "&.cm-focused": { outline: "3px solid #1a5fb4", outlineOffset: "1px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
  ".cm-content, .cm-gutter": { minHeight: "16em" },
});

function mount(textarea, options = {}) {
  const language = new Compartment();
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      theme,
      language.of(languageExtension(options.language)),
      EditorView.contentAttributes.of({ "aria-label": labelFor(textarea) }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) textarea.value = update.state.doc.toString();
      }),
    ],
  });
  textarea.after(view.dom);
  textarea.hidden = true;

  return {
    view,
    setLanguage(id) {
      view.dispatch({ effects: language.reconfigure(languageExtension(id)) });
    },
    getValue() {
      return view.state.doc.toString();
    },
    setValue(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
  };
}

window.bjEditor = { mount, languages: Object.keys(modes) };
