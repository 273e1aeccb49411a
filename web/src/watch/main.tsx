import { render } from 'preact';
import '../styles.css';
import './watch.css';
import { WatchPage } from './watch-page.js';

render(<WatchPage />, document.getElementById('app')!);
