// Wires the flow, the screens, the idle timer and the admin area together.
import './styles.css';
import { tauriAdmin, tauriBackend } from './backend';
import { App } from './app';

const root = document.getElementById('app');
if (root) new App(root, tauriBackend, tauriAdmin).start();
