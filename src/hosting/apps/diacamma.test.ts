import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addArgs, archiveArgs, deleteArgs, lucteriosName, redactArgs, restoreArgs, securityArgs, serveCommand } from './diacamma.ts';

const inst = { name: 'amis-du-velo', flavour: 'diacamma.asso' as const, instancePath: '/srv/ecrin/instances', host: 'amis-du-velo.sleto.fr' };

describe('the lucterios_admin.py contract', () => {
  it('builds the exact "add" command of the brief, with the flavour’s modules', () => {
    assert.deepEqual(addArgs(inst), [
      'add', '-n', 'amis_du_velo', '-p', 'diacamma.asso',
      '-m', 'lucterios.contacts,lucterios.documents,lucterios.mailing,diacamma.accounting,diacamma.payoff,diacamma.invoice,diacamma.member,diacamma.event',
      '-e', 'ALLOWED_HOSTS=amis-du-velo.sleto.fr,USE_X_FORWARDED_HOST=True',
      '-i', '/srv/ecrin/instances',
    ]);
    const pg = addArgs({ ...inst, flavour: 'diacamma.syndic', database: { name: 'amis', user: 'u', password: 'p', host: 'db' } });
    assert.equal(pg[4], 'diacamma.syndic');
    assert.ok(pg.includes('postgresql:name=amis,user=u,password=p,host=db'));
  });

  it('sets the connection mode and the admin password, refusing what -e cannot carry', () => {
    assert.deepEqual(securityArgs(inst, { mode: 0, password: 'tournesol-42' }), ['security', '-n', 'amis_du_velo', '-e', 'MODE=0,PASSWORD=tournesol-42', '-i', '/srv/ecrin/instances']);
    assert.throws(() => securityArgs(inst, { mode: 0, password: 'a,b=c' }), /cannot take/);
  });

  it('archives, restores and deletes by name', () => {
    assert.deepEqual(archiveArgs(inst, '/tmp/a.lbkf'), ['archive', '-n', 'amis_du_velo', '-f', '/tmp/a.lbkf', '-i', '/srv/ecrin/instances']);
    assert.deepEqual(restoreArgs(inst, '/tmp/a.lbkf'), ['restore', '-n', 'amis_du_velo', '-f', '/tmp/a.lbkf', '-i', '/srv/ecrin/instances']);
    assert.deepEqual(deleteArgs(inst), ['delete', '-n', 'amis_du_velo', '-i', '/srv/ecrin/instances']);
    assert.equal(lucteriosName('a-b-c'), 'a_b_c');
  });

  it('fills the gunicorn template', () => {
    const c = serveCommand('gunicorn lucterios.framework.wsgi --bind 127.0.0.1:{port} -w 1 --timeout 600', inst, 8123);
    assert.equal(c.command, 'gunicorn');
    assert.deepEqual(c.args, ['lucterios.framework.wsgi', '--bind', '127.0.0.1:8123', '-w', '1', '--timeout', '600']);
    assert.deepEqual(c.env, { DJANGO_SETTINGS_MODULE: 'amis_du_velo.settings' });
    assert.equal(c.cwd, '/srv/ecrin/instances');
  });

  it('never shows a password in what is logged', () => {
    assert.deepEqual(redactArgs(['-e', 'MODE=0,PASSWORD=secret']), ['-e', 'MODE=0,[redacted]'.replace('[redacted]', 'PASSWORD=[redacted]')]);
  });
});
