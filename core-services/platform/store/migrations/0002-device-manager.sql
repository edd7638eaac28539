-- DeviceManager (docs/dojot-compatibility.md §2): templates with attributes and metadata, devices, the templates a
-- device uses and its static-value overrides. dojot kept one PostgreSQL schema per tenant; here
-- every row carries its tenant and every key starts with it, so no query can cross tenants by
-- forgetting a schema switch. Tables are prefixed dm_ because the database is shared.

-- Template and attribute ids come from install-wide sequences (dojot's were per tenant schema):
-- an id names one row of one tenant only, so another tenant's id is simply unknown (404).
CREATE SEQUENCE dm_attr_ids AS integer;

CREATE TABLE dm_templates (
  tenant text NOT NULL,
  id serial NOT NULL,
  label varchar(128) NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  updated timestamptz,
  PRIMARY KEY (tenant, id)
);

-- A top-level attribute belongs to a template; a metadata attribute belongs to a parent attribute
-- (exactly one of the two is set, as in dojot's attrs table).
CREATE TABLE dm_attrs (
  tenant text NOT NULL,
  id integer NOT NULL DEFAULT nextval('dm_attr_ids'),
  template_id integer,
  parent_id integer,
  label varchar(128) NOT NULL,
  type varchar(32) NOT NULL,
  value_type varchar(32) NOT NULL,
  static_value varchar(128),
  created timestamptz NOT NULL DEFAULT now(),
  updated timestamptz,
  PRIMARY KEY (tenant, id),
  FOREIGN KEY (tenant, template_id) REFERENCES dm_templates (tenant, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant, parent_id) REFERENCES dm_attrs (tenant, id) ON DELETE CASCADE,
  CHECK ((template_id IS NULL) <> (parent_id IS NULL))
);
-- One template never has two attributes with the same label and type; metadata labels are unique
-- per parent (§2.1).
CREATE UNIQUE INDEX dm_attrs_template_label_type ON dm_attrs (tenant, template_id, label, type) WHERE template_id IS NOT NULL;
CREATE UNIQUE INDEX dm_attrs_parent_label ON dm_attrs (tenant, parent_id, label) WHERE parent_id IS NOT NULL;

CREATE TABLE dm_devices (
  tenant text NOT NULL,
  id varchar(8) NOT NULL,
  label varchar(128) NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  updated timestamptz,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX dm_devices_label ON dm_devices (tenant, label);

-- A template in use cannot be deleted: the template side of the link has no cascade.
CREATE TABLE dm_device_templates (
  tenant text NOT NULL,
  device_id varchar(8) NOT NULL,
  template_id integer NOT NULL,
  PRIMARY KEY (tenant, device_id, template_id),
  FOREIGN KEY (tenant, device_id) REFERENCES dm_devices (tenant, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant, template_id) REFERENCES dm_templates (tenant, id)
);
CREATE INDEX dm_device_templates_template ON dm_device_templates (tenant, template_id);

-- A device's own static value for one attribute (or metadata attribute) of one of its templates.
CREATE TABLE dm_overrides (
  tenant text NOT NULL,
  device_id varchar(8) NOT NULL,
  attr_id integer NOT NULL,
  static_value varchar(128) NOT NULL,
  PRIMARY KEY (tenant, device_id, attr_id),
  FOREIGN KEY (tenant, device_id) REFERENCES dm_devices (tenant, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant, attr_id) REFERENCES dm_attrs (tenant, id) ON DELETE CASCADE
);
CREATE INDEX dm_overrides_attr ON dm_overrides (tenant, attr_id);
