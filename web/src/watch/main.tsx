import { render } from 'preact';

render(<main>LiveTape watch</main>, document.getElementById('app')!);
