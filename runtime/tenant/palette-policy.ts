// Which core nodes a tenant is offered. Nodes that reach the host (processes, files, raw
// sockets) are left out; function nodes may not load npm modules. Names are the core files'
// names, which is what Node-RED's `nodesExcludes` matches.
export const EXCLUDED_CORE_NODE_FILES = [
  '90-exec.js', // exec: runs host commands
  '10-file.js', // file, file in: read and write host files
  '23-watch.js', // watch: watches host files
  '31-tcpin.js', // tcp in, tcp out, tcp request: raw sockets, listeners on the host
  '32-udp.js', // udp in, udp out
] as const;

/** The node types those files define, for tests and docs. */
export const EXCLUDED_NODE_TYPES = [
  'exec',
  'file',
  'file in',
  'watch',
  'tcp in',
  'tcp out',
  'tcp request',
  'udp in',
  'udp out',
] as const;

export const palettePolicy = {
  nodesExcludes: [...EXCLUDED_CORE_NODE_FILES],
  /** Function nodes may not `require` npm modules (no `libs`). */
  functionExternalModules: false,
  /** No installing nodes from the palette manager. */
  externalModules: {
    autoInstall: false,
    palette: { allowInstall: false, allowUpload: false },
    modules: { allowInstall: false },
  },
};
