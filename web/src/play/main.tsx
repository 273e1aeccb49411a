import { render } from 'preact';

render(<main>LiveTape play</main>, document.getElementById('app')!);
