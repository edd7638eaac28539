/* dojot-red in the flow editor: the device and template fields of the dojot nodes offer the
 * tenant's own devices and templates in a searchable list (type part of a label or id), and an
 * id the tenant does not have is marked in red beside the field. Plain browser JavaScript,
 * loaded by Node-RED as a theme script; it asks the platform's REST API with the editor's token. */
(function () {
  'use strict';
  var DEVICE_FIELDS = ['node-input-device_id', 'node-input-_device_id', 'node-input-devices_source_configured_text'];
  var TEMPLATE_FIELDS = ['node-input-template_id', 'node-input-device_template_id'];
  var pt = (localStorage.getItem('dojot-red.lang') || navigator.language || '').toLowerCase().indexOf('pt') === 0;
  var T = pt
    ? { unknownDevice: 'dispositivo desconhecido', unknownTemplate: 'modelo desconhecido' }
    : { unknownDevice: 'unknown device', unknownTemplate: 'unknown template' };

  function token() {
    try {
      var t = JSON.parse(localStorage.getItem('auth-tokens-flows') || 'null');
      return t && t.access_token;
    } catch (e) {
      return null;
    }
  }
  function getJson(url) {
    return fetch(url, { headers: { authorization: 'Bearer ' + token(), accept: 'application/json' } }).then(
      function (r) {
        if (r.status === 404) return null;
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      },
    );
  }
  /** id → label of the tenant's devices or templates (fetched when a node's dialog opens). */
  function load(kind) {
    var url = kind === 'device' ? '/device?page_size=1000&sortBy=label' : '/template?page_size=1000&sortBy=label';
    return getJson(url).then(function (body) {
      var list = (body && (kind === 'device' ? body.devices : body.templates)) || [];
      var out = {};
      list.forEach(function (x) {
        out[String(x.id)] = x.label;
      });
      return out;
    });
  }

  function attach(input, kind, known) {
    var listId = 'dojot-' + kind + '-list';
    var list = document.getElementById(listId);
    if (!list) {
      list = document.createElement('datalist');
      list.id = listId;
      document.body.appendChild(list);
    }
    list.innerHTML = '';
    Object.keys(known).forEach(function (id) {
      var o = document.createElement('option');
      o.value = id;
      o.label = known[id] + ' (' + id + ')';
      o.textContent = known[id];
      list.appendChild(o);
    });
    input.setAttribute('list', listId);
    input.setAttribute('autocomplete', 'off');
    var hint = input.parentNode.querySelector('.dojot-picker-hint');
    if (!hint) {
      hint = document.createElement('div');
      hint.className = 'dojot-picker-hint';
      hint.setAttribute('data-for', input.id);
      input.parentNode.appendChild(hint);
    }
    var multi = input.id === 'node-input-devices_source_configured_text';
    function check() {
      var ids = (multi ? input.value.split(',') : [input.value])
        .map(function (s) {
          return s.trim();
        })
        .filter(Boolean);
      var unknown = ids.filter(function (id) {
        return !Object.prototype.hasOwnProperty.call(known, id);
      });
      if (unknown.length) {
        hint.className = 'dojot-picker-hint dojot-unknown';
        hint.textContent = (kind === 'device' ? T.unknownDevice : T.unknownTemplate) + ': ' + unknown.join(', ');
        input.classList.add('input-error');
      } else {
        hint.className = 'dojot-picker-hint';
        hint.textContent = ids
          .map(function (id) {
            return known[id];
          })
          .join(', ');
        input.classList.remove('input-error');
      }
    }
    input.addEventListener('input', check);
    input.addEventListener('change', check);
    check();
  }

  function onOpen() {
    // The dialog's form is in the DOM once editor:open fires; fields are those of the node's type.
    setTimeout(function () {
      var devices = DEVICE_FIELDS.map(function (id) {
        return document.getElementById(id);
      }).filter(Boolean);
      var templates = TEMPLATE_FIELDS.map(function (id) {
        return document.getElementById(id);
      }).filter(Boolean);
      if (devices.length)
        load('device').then(
          function (known) {
            devices.forEach(function (i) {
              attach(i, 'device', known);
            });
          },
          function () {},
        );
      if (templates.length)
        load('template').then(
          function (known) {
            templates.forEach(function (i) {
              attach(i, 'template', known);
            });
          },
          function () {},
        );
    }, 0);
  }

  // Examples (Import › Examples › dojot-nodes) name their devices and templates as placeholders,
  // ${device:<ref>} and ${template:<ref>}: once imported, a dialog maps each to one of the tenant's.
  var PLACEHOLDER = /\$\{(device|template):([^}]+)\}/g;
  function eachString(value, fn) {
    if (typeof value === 'string') return fn(value);
    if (Array.isArray(value))
      return value.map(function (v) {
        return eachString(v, fn);
      });
    if (value && typeof value === 'object') {
      var out = {};
      for (var k in value) out[k] = eachString(value[k], fn);
      return out;
    }
    return value;
  }
  /** A node's configured properties (its type's defaults): not the editor's own objects on it. */
  function props(n) {
    return Object.keys((n._def && n._def.defaults) || {});
  }
  function hasPlaceholder(value) {
    var found = false;
    eachString(value, function (s) {
      if (s.search(PLACEHOLDER) >= 0) found = true;
      PLACEHOLDER.lastIndex = 0;
      return s;
    });
    return found;
  }
  function nodesWithPlaceholders() {
    var found = [];
    RED.nodes.eachNode(function (n) {
      if (
        props(n).some(function (k) {
          return hasPlaceholder(n[k]);
        })
      )
        found.push(n);
    });
    return found;
  }
  function send(method, url, body) {
    return fetch(url, {
      method: method,
      headers: { authorization: 'Bearer ' + token(), accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.text().then(function (text) {
        var json;
        try {
          json = text ? JSON.parse(text) : null;
        } catch (e) {
          json = null;
        }
        if (!r.ok) throw new Error((json && (json.error || json.message)) || 'HTTP ' + r.status);
        return json;
      });
    });
  }
  /**
   * Creates an example's templates, then its devices (from its setup.json, carried on its tab as
   * dojot_setup), one after the other; resolves to {"template:<ref>": id, "device:<ref>": id}.
   */
  function createSetup(setup) {
    var made = {};
    var chain = Promise.resolve();
    (setup.templates || []).forEach(function (tpl) {
      chain = chain.then(function () {
        return send('POST', '/template', { label: tpl.label, attrs: tpl.attrs || [] }).then(function (body) {
          made['template:' + tpl.ref] = String(body.template.id);
        });
      });
    });
    (setup.devices || []).forEach(function (dev) {
      chain = chain.then(function () {
        var templates = (dev.templates || []).map(function (ref) {
          var id = made['template:' + ref];
          if (!id) throw new Error('setup.json: device ' + dev.ref + ' names an unknown template ' + ref);
          return Number(id);
        });
        return send('POST', '/device', { label: dev.label, templates: templates }).then(function (body) {
          made['device:' + dev.ref] = String(body.devices[0].id);
        });
      });
    });
    return chain.then(function () {
      return made;
    });
  }
  /** The setup of the example these nodes came from (on their tab), if any. */
  function setupOf(nodes) {
    for (var i = 0; i < nodes.length; i++) {
      var tab = RED.nodes.workspace(nodes[i].z);
      if (tab && tab.dojot_setup && typeof tab.dojot_setup === 'object') return tab.dojot_setup;
    }
    return null;
  }
  var mapping = false;
  function mapPlaceholders() {
    if (mapping) return;
    var nodes = nodesWithPlaceholders();
    if (!nodes.length) return;
    var refs = {};
    nodes.forEach(function (n) {
      props(n).forEach(function (k) {
        eachString(n[k], function (s) {
          s.replace(PLACEHOLDER, function (_m, kind, ref) {
            refs[kind + ':' + ref] = { kind: kind, ref: ref };
            return _m;
          });
          return s;
        });
      });
    });
    mapping = true;
    Promise.all([load('device'), load('template')]).then(
      function (lists) {
        var known = { device: lists[0], template: lists[1] };
        var box = $(
          '<div id="dojot-placeholders"><p>' +
            (pt
              ? 'Este exemplo usa dispositivos e modelos pelo nome. Escolha os seus:'
              : 'This example names devices and templates. Choose yours:') +
            '</p></div>',
        );
        Object.keys(refs).forEach(function (key) {
          var r = refs[key];
          var row = $('<div class="form-row"></div>');
          $('<label></label>')
            .text((r.kind === 'device' ? (pt ? 'Dispositivo ' : 'Device ') : pt ? 'Modelo ' : 'Template ') + r.ref)
            .css('width', '40%')
            .appendTo(row);
          var sel = $('<select></select>').attr('data-placeholder', key).css('width', '55%').appendTo(row);
          $('<option value=""></option>')
            .text(pt ? '(deixar como está)' : '(leave as it is)')
            .appendTo(sel);
          Object.keys(known[r.kind]).forEach(function (id) {
            var o = $('<option></option>')
              .attr('value', id)
              .text(known[r.kind][id] + ' (' + id + ')')
              .appendTo(sel);
            if (known[r.kind][id] === r.ref) o.prop('selected', true);
          });
          row.appendTo(box);
        });
        var setup = setupOf(nodes);
        if (setup) {
          var labels = function (list) {
            return (list || [])
              .map(function (x) {
                return x.label;
              })
              .join(', ');
          };
          var make = $('<div class="form-row dojot-setup"></div>');
          $('<p></p>')
            .text(
              (pt
                ? 'Ou crie os que vêm com o exemplo. Modelos: '
                : 'Or create the ones the example comes with. Templates: ') +
                labels(setup.templates) +
                (pt ? '; dispositivos: ' : '; devices: ') +
                labels(setup.devices) +
                '.',
            )
            .appendTo(make);
          var createButton = $('<button type="button" class="red-ui-button" id="dojot-placeholders-create"></button>')
            .text(pt ? 'Criar modelos e dispositivos' : 'Create templates and devices')
            .appendTo(make);
          var status = $('<div id="dojot-placeholders-status" role="status"></div>').appendTo(make);
          var failure = $('<div id="dojot-placeholders-error" class="dojot-unknown" role="alert"></div>').appendTo(
            make,
          );
          createButton.on('click', function () {
            createButton.prop('disabled', true);
            failure.text('');
            status.text(pt ? 'Criando…' : 'Creating…');
            createSetup(setup).then(
              function (made) {
                box.find('select').each(function () {
                  var key = this.getAttribute('data-placeholder');
                  var id = made[key];
                  if (!id) return;
                  if (!$(this).find('option[value="' + id + '"]').length)
                    $('<option></option>')
                      .attr('value', id)
                      .text(key.split(':').slice(1).join(':') + ' (' + id + ')')
                      .appendTo(this);
                  this.value = id;
                });
                status.text(
                  pt
                    ? 'Criados. Os campos acima apontam para eles: clique em Aplicar.'
                    : 'Created. The choices above now name them: press Apply.',
                );
                createButton.remove();
              },
              function (err) {
                status.text('');
                failure.text(err.message);
                createButton.prop('disabled', false);
              },
            );
          });
          make.appendTo(box);
        }
        box.dialog({
          title: pt ? 'Dispositivos e modelos do exemplo' : "The example's devices and templates",
          modal: true,
          width: 520,
          close: function () {
            mapping = false;
            box.remove();
          },
          buttons: [
            {
              text: pt ? 'Cancelar' : 'Cancel',
              click: function () {
                box.dialog('close');
              },
            },
            {
              text: pt ? 'Aplicar' : 'Apply',
              class: 'primary',
              id: 'dojot-placeholders-apply',
              click: function () {
                var chosen = {};
                box.find('select').each(function () {
                  if (this.value) chosen[this.getAttribute('data-placeholder')] = this.value;
                });
                nodes.forEach(function (n) {
                  var changed = false;
                  props(n).forEach(function (k) {
                    var before = JSON.stringify(n[k]);
                    var after = eachString(n[k], function (s) {
                      return s.replace(PLACEHOLDER, function (m, kind, ref) {
                        return chosen[kind + ':' + ref] || m;
                      });
                    });
                    if (JSON.stringify(after) !== before) {
                      n[k] = after;
                      changed = true;
                    }
                  });
                  if (changed) {
                    n.changed = true;
                    n.dirty = true;
                  }
                });
                RED.nodes.dirty(true);
                RED.view.redraw(true);
                box.dialog('close');
              },
            },
          ],
        });
      },
      function () {
        mapping = false;
      },
    );
  }
  var pending = null;
  function onAdd() {
    clearTimeout(pending);
    pending = setTimeout(mapPlaceholders, 150);
  }

  function hook() {
    if (window.RED && RED.events && RED.events.on) {
      RED.events.on('editor:open', onOpen);
      RED.events.on('nodes:add', onAdd);
    } else setTimeout(hook, 200);
  }
  hook();
})();
