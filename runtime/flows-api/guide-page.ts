// The flows guide (docs/flows.md) as a web page, for the editor's help menu: a browser gets HTML,
// a client that does not ask for HTML keeps getting the markdown. The markdown is the project's
// own file, so its HTML is trusted as it is.
import { marked } from 'marked';

export function guidePage(markdown: string): string {
  const body = marked.parse(markdown, { async: false, gfm: true });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>dojot-red · flows guide</title>
<style>
  body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; margin: 0; }
  header { background: #0c5b8a; border-bottom: 4px solid #f4a300; color: #fff; padding: 0.8em 2em; font-weight: 600; }
  main { max-width: 60em; margin: 0 auto; padding: 1em 2em 3em; }
  h1, h2, h3 { color: #0c5b8a; }
  code { background: #f3f4f6; padding: 0.1em 0.3em; border-radius: 3px; font-size: 0.92em; }
  pre { background: #f3f4f6; padding: 0.8em; overflow: auto; border-radius: 4px; }
  pre code { background: none; padding: 0; }
  table { border-collapse: collapse; width: 100%; margin: 1em 0; }
  th, td { border: 1px solid #d0d7de; padding: 0.4em 0.6em; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; }
</style>
</head>
<body>
<header>dojot-red</header>
<main>
${body}
</main>
</body>
</html>
`;
}
