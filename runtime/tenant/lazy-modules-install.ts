// Imported first by main.ts, so that the stand-ins are in place before Node-RED and its nodes load.
import { installLazyModules } from './lazy-modules.js';

installLazyModules();
