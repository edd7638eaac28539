// Node-RED's `editorTheme` from editor-theme/theme.json and its assets (data, not code: the theme
// folder imports nothing and is not compiled).
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ThemeFile {
  title: string;
  favicon: string;
  logo: string;
  loginImage: string;
  css: string[];
  /** Browser scripts the editor loads after its own (the user menu and session, assets/session.js). */
  scripts?: string[];
  paletteCategories: string[];
  helpLabel: string;
}

export function editorTheme(themeDir: string, docsUrl: string) {
  const t = JSON.parse(readFileSync(path.join(themeDir, 'theme.json'), 'utf8')) as ThemeFile;
  const asset = (name: string) => path.join(themeDir, 'assets', name);
  return {
    page: { title: t.title, favicon: asset(t.favicon), css: t.css.map(asset), scripts: (t.scripts ?? []).map(asset) },
    header: { title: t.title, image: asset(t.logo), url: docsUrl },
    login: { image: asset(t.loginImage) },
    palette: { categories: t.paletteCategories },
    menu: { 'menu-item-help': { label: t.helpLabel, url: docsUrl } },
    projects: { enabled: false },
    // The welcome tours introduce Node-RED features we turn off (projects, palette manager).
    tours: false,
    // No Node-RED login or logout: users sign in with the platform.
    userMenu: false,
  };
}
