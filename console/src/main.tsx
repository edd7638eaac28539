import { render } from 'preact';
import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { App } from './App';

render(<App />, document.getElementById('app')!);
