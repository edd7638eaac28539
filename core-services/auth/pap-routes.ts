// /auth/pap: dojot's permission administration, its relations and reports, with dojot's paths
// and answer shapes ({"status":200,"id"} on create, {"status":200,"message":"ok"} on change).
// Every route is the platform operator's (pap-service.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { PapService } from './pap-service.js';
import { parsePermissionFilter } from './pap-schemas.js';

const OK = { status: 200, message: 'ok' };
type Key = { Params: { key: string } };
type Pair = { Params: { a: string; b: string } };

export function papRoutes(pap: PapService): FastifyPluginAsync {
  return async (app) => {
    app.addHook('preHandler', async (req) => pap.mustBeOperator(req.identity));

    app.post('/auth/pap/permission', async (req) => ({
      status: 200,
      id: await pap.createPermission(req.identity, req.body),
    }));
    app.get('/auth/pap/permission', async (req) => ({
      permissions: await pap.listPermissions(parsePermissionFilter(req.query as Record<string, unknown>)),
    }));
    app.get<Key>('/auth/pap/permission/:key', async (req) => pap.getPermission(req.params.key));
    app.put<Key>('/auth/pap/permission/:key', async (req) => {
      await pap.updatePermission(req.params.key, req.body);
      return OK;
    });
    app.delete<Key>('/auth/pap/permission/:key', async (req) => {
      await pap.deletePermission(req.params.key);
      return OK;
    });

    app.post('/auth/pap/group', async (req) => ({ status: 200, id: await pap.createGroup(req.identity, req.body) }));
    app.get<{ Querystring: { name?: unknown } }>('/auth/pap/group', async (req) => ({
      groups: await pap.listGroups(typeof req.query.name === 'string' ? req.query.name : undefined),
    }));
    app.get<Key>('/auth/pap/group/:key', async (req) => pap.getGroup(req.params.key));
    app.put<Key>('/auth/pap/group/:key', async (req) => {
      await pap.updateGroup(req.params.key, req.body);
      return OK;
    });
    app.delete<Key>('/auth/pap/group/:key', async (req) => {
      await pap.deleteGroup(req.params.key);
      return OK;
    });

    for (const [path, relation] of [
      ['/auth/pap/usergroup/:a/:b', 'user_groups'],
      ['/auth/pap/grouppermissions/:a/:b', 'group_permissions'],
      ['/auth/pap/userpermissions/:a/:b', 'user_permissions'],
    ] as const) {
      app.post<Pair>(path, async (req) => {
        await pap.relate(true, relation, req.params.a, req.params.b);
        return OK;
      });
      app.delete<Pair>(path, async (req) => {
        await pap.relate(false, relation, req.params.a, req.params.b);
        return OK;
      });
    }

    app.get<Key>('/auth/pap/user/:key/directpermissions', async (req) => ({
      permissions: await pap.directPermissions(req.params.key),
    }));
    app.get<Key>('/auth/pap/user/:key/allpermissions', async (req) => ({
      permissions: await pap.allPermissions(req.params.key),
    }));
    app.get<Key>('/auth/pap/user/:key/groups', async (req) => ({ groups: await pap.groupsOfUser(req.params.key) }));
    app.get<Key>('/auth/pap/group/:key/permissions', async (req) => ({
      permissions: await pap.permissionsOfGroup(req.params.key),
    }));
    app.get<Key>('/auth/pap/group/:key/users', async (req) => ({ users: await pap.usersOfGroup(req.params.key) }));
  };
}
