import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../lib/api.js';
import type { RecordRuleView, RecordTemplateView } from '../api-types.js';
import { ConfirmButton } from '../ui/confirm-button.js';
import { StatusText, useFormAction } from '../ui/form-status.js';
import { InputField } from '../ui/input-field.js';
import { Loaded } from '../ui/loaded.js';
import { SettingsCard } from '../ui/settings-card.js';
import { useResource } from '../ui/use-resource.js';

const FORMATS = ['mp4', 'hls', 'flv', 'aac'] as const;
type Format = (typeof FORMATS)[number];

interface Book {
  templates: RecordTemplateView[];
  rules: RecordRuleView[];
}

const loadBook = async (): Promise<Book> => {
  const [t, r] = await Promise.all([
    apiGet<{ templates: RecordTemplateView[] }>('/api/v1/record-templates'),
    apiGet<{ rules: RecordRuleView[] }>('/api/v1/record-rules'),
  ]);
  return { templates: t.templates, rules: r.rules };
};

/** Templates (what to record) and rules (for which streams): a push without `record=` follows its rule. */
export function RulesSection() {
  const book = useResource('record-rules', loadBook);
  return (
    <SettingsCard
      id="rules"
      title="Recording rules"
      intro="A push whose URL has no record= is recorded as its most specific rule's template says (an exact name, then the longest prefix, then the whole app), else by the global setting."
    >
      <Loaded resource={book}>{(data) => <RuleBook book={data} onChanged={book.reload} />}</Loaded>
    </SettingsCard>
  );
}

function RuleBook(props: { book: Book; onChanged: () => void }) {
  const { templates, rules } = props.book;
  const nameOf = (id: number) => templates.find((t) => t.id === id)?.name ?? `#${id}`;
  const remove = (path: string) => async () => {
    await apiSend('DELETE', path);
    props.onChanged();
  };
  return (
    <>
      <h3>Templates</h3>
      <ul class="plain-list" aria-label="Recording templates">
        {templates.map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong>{' '}
            {FORMATS.filter((f) => t.formats[f]?.enabled)
              .map((f) => f.toUpperCase())
              .join(', ') || 'nothing'}{' '}
            <ConfirmButton
              label="Delete"
              accessibleLabel={`Delete template ${t.name}`}
              question={`Delete template ${t.name}?`}
              danger
              onConfirm={remove(`/api/v1/record-templates/${t.id}`)}
            />
          </li>
        ))}
      </ul>
      <TemplateForm onCreated={props.onChanged} />
      <h3>Rules</h3>
      <ul class="plain-list" aria-label="Recording rules">
        {rules.map((r) => {
          const target = `${r.app || 'every app'}/${r.stream ? `${r.stream}${r.streamPrefix ? '*' : ''}` : '*'}`;
          return (
            <li key={r.id}>
              {target} → {nameOf(r.templateId)}{' '}
              <ConfirmButton
                label="Delete"
                accessibleLabel={`Delete rule ${target}`}
                question={`Delete the rule for ${target}?`}
                danger
                onConfirm={remove(`/api/v1/record-rules/${r.id}`)}
              />
            </li>
          );
        })}
      </ul>
      {templates.length > 0 && <RuleForm templates={templates} onCreated={props.onChanged} />}
    </>
  );
}

function TemplateForm(props: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [formats, setFormats] = useState<Format[]>(['mp4']);
  const [intervalSec, setIntervalSec] = useState('1800');
  const [status, run] = useFormAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const interval = Number(intervalSec);
      await apiSend('POST', '/api/v1/record-templates', {
        name: name.trim(),
        formats: Object.fromEntries(formats.map((f) => [f, { enabled: true, intervalSec: interval }])),
      });
      setName('');
      props.onCreated();
      return 'Template added.';
    });
  };
  return (
    <form class="settings-form" onSubmit={submit} aria-label="New recording template" noValidate>
      <div class="field-row">
        <InputField
          id="template-name"
          label="Template name"
          value={name}
          onValue={setName}
          autocomplete="off"
        />
        <InputField
          id="template-interval"
          label="File length (seconds)"
          value={intervalSec}
          onValue={setIntervalSec}
          type="number"
          min={30}
        />
      </div>
      <fieldset>
        <legend>Formats</legend>
        <div class="inline-checks">
          {FORMATS.map((f) => (
            <div class="check-field" key={f}>
              <input
                id={`template-format-${f}`}
                type="checkbox"
                checked={formats.includes(f)}
                onChange={(e) =>
                  setFormats(e.currentTarget.checked ? [...formats, f] : formats.filter((x) => x !== f))
                }
              />
              <label for={`template-format-${f}`}>{f.toUpperCase()}</label>
            </div>
          ))}
        </div>
      </fieldset>
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={status.kind === 'working'}>
          Add template
        </button>
        <StatusText status={status} />
      </div>
    </form>
  );
}

function RuleForm(props: { templates: RecordTemplateView[]; onCreated: () => void }) {
  const [app, setApp] = useState('live');
  const [stream, setStream] = useState('');
  const [prefix, setPrefix] = useState(true);
  const [templateId, setTemplateId] = useState(props.templates[0]!.id);
  const [status, run] = useFormAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      await apiSend('POST', '/api/v1/record-rules', {
        app: app.trim(),
        stream: stream.trim(),
        streamPrefix: prefix,
        templateId,
      });
      setStream('');
      props.onCreated();
      return 'Rule added.';
    });
  };
  return (
    <form class="settings-form" onSubmit={submit} aria-label="New recording rule" noValidate>
      <div class="field-row">
        <InputField
          id="rule-app"
          label="App (empty: every app)"
          value={app}
          onValue={setApp}
          autocomplete="off"
        />
        <InputField
          id="rule-stream"
          label="Stream name (empty: every stream)"
          value={stream}
          onValue={setStream}
          autocomplete="off"
        />
        <div class="field">
          <label for="rule-template">Template</label>
          <select
            id="rule-template"
            value={String(templateId)}
            onChange={(e) => setTemplateId(Number(e.currentTarget.value))}
          >
            {props.templates.map((t) => (
              <option key={t.id} value={String(t.id)}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="check-field">
        <input
          id="rule-prefix"
          type="checkbox"
          checked={prefix}
          onChange={(e) => setPrefix(e.currentTarget.checked)}
        />
        <label for="rule-prefix">The stream name is a prefix</label>
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={status.kind === 'working'}>
          Add rule
        </button>
        <StatusText status={status} />
      </div>
    </form>
  );
}
