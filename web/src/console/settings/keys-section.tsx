import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../lib/api.js';
import type { KeySet, KeySettings } from '../../lib/types.js';
import { Loaded } from '../ui/loaded.js';
import { SettingsCard } from '../ui/settings-card.js';
import { useResource } from '../ui/use-resource.js';
import { type KeyKind, KeyList } from './key-list.js';

const PATH = '/api/v1/settings/keys';

/** Push and play keys: the signatures encoders and players must carry. */
export function KeysSection() {
  const settings = useResource('keys', () => apiGet<KeySettings>(PATH));
  return (
    <SettingsCard
      id="keys"
      title="Keys"
      intro="Push and play URLs are signed with the primary key; backup keys stay valid so a rotation breaks nobody."
    >
      <Loaded resource={settings}>{(data) => <KeyGroups initial={data} />}</Loaded>
    </SettingsCard>
  );
}

function KeyGroups(props: { initial: KeySettings }) {
  const [keys, setKeys] = useState(props.initial);
  const rotate = async (kind: KeyKind) => {
    const rotated = await apiSend<KeySet>('POST', `${PATH}/${kind}/rotate`);
    setKeys((current) => ({ ...current, [kind]: rotated }));
  };
  const save = async (kind: KeyKind, list: string[]) => {
    setKeys(await apiSend<KeySettings>('PUT', PATH, { [kind]: list }));
  };
  return (
    <div class="key-groups">
      {(['push', 'play'] as const).map((kind) => (
        <KeyList
          key={kind}
          kind={kind}
          set={keys[kind]}
          rotate={() => rotate(kind)}
          save={(list) => save(kind, list)}
        />
      ))}
    </div>
  );
}
