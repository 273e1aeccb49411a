/** The console's pages: their paths under /console, names in the navigation, and components. */
import type { FunctionComponent } from 'preact';
import { LivePage } from './live/live-page.js';
import { NotificationsPage } from './notifications/notifications-page.js';
import { BASE, HOME } from './paths.js';
import { PushUrlPage } from './push/push-url-page.js';
import { RecordingsPage } from './recordings/recordings-page.js';
import { SettingsPage } from './settings/settings-page.js';
import { TasksPage } from './tasks/tasks-page.js';

export interface ConsolePage {
  path: string;
  name: string;
  component: FunctionComponent;
}

export const PAGES: readonly ConsolePage[] = [
  { path: HOME, name: 'Live now', component: LivePage },
  { path: `${BASE}/recordings`, name: 'Recordings', component: RecordingsPage },
  { path: `${BASE}/tasks`, name: 'Tasks', component: TasksPage },
  { path: `${BASE}/settings`, name: 'Settings', component: SettingsPage },
  { path: `${BASE}/push`, name: 'Push URL', component: PushUrlPage },
  { path: `${BASE}/notifications`, name: 'Notifications', component: NotificationsPage },
];
