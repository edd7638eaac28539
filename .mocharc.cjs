// mocha's settings. The spec globs apply only when no test file is named on the command line, so
// `npx mocha dist/test/x.test.js` runs that file alone rather than the whole suite plus it.
const named = process.argv.slice(2).some((a) => !a.startsWith('-') && /\.test\.js$/.test(a));
module.exports = {
  spec: named ? [] : ['dist/core-services/**/*.test.js', 'dist/runtime/**/*.test.js', 'dist/test/**/*.test.js'],
  timeout: 30000,
  exit: true,
  'enable-source-maps': true,
  color: false,
};
