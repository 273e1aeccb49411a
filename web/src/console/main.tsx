import { render } from 'preact';

render(<main>LiveTape console</main>, document.getElementById('app')!);
