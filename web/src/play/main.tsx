import { render } from 'preact';
import '../styles.css';
import './play.css';
import { PlayPage } from './play-page.js';

render(<PlayPage />, document.getElementById('app')!);
