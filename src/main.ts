// First: the connect-src policy must be in force before any other module can open a connection.
import './app/flow/csp-apply';
import { mount } from 'svelte';
import App from './app/App.svelte';
import './app/global.css';

mount(App, { target: document.getElementById('app')! });
