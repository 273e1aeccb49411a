import { useEffect } from 'preact/hooks';
import { PageHeader } from '../ui/page-header.js';
import { BansSection } from './bans-section.js';
import { CallbacksSection } from './callbacks-section.js';
import { KeysSection } from './keys-section.js';
import { RecordingSection } from './recording-section.js';
import { RetentionSection } from './retention-section.js';
import { RulesSection } from './rules-section.js';

/** Recording, rules, callbacks, keys, retention and bans: each card saves on its own. */
export function SettingsPage() {
  useEffect(() => {
    // A link to one card (`#callbacks`) scrolls there once the cards exist.
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }, []);
  return (
    <>
      <PageHeader title="Settings">
        Changes apply at once to new pushes and plays, and are kept across restarts.
      </PageHeader>
      <div class="settings-grid">
        <RecordingSection />
        <RulesSection />
        <CallbacksSection />
        <KeysSection />
        <RetentionSection />
        <BansSection />
      </div>
    </>
  );
}
