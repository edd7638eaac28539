-- Pre-shared keys of device attributes of value_type "psk" (dojot's POST /device/gen_psk). Each
-- key is sealed with AES-256-GCM under the platform's PSK key (settings 'device-manager.psk-key'),
-- bound to its tenant, device and attribute: a sealed value copied to another row does not open.
CREATE TABLE dm_psk (
  tenant text NOT NULL,
  device_id varchar(8) NOT NULL,
  attr_id integer NOT NULL,
  sealed text NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, device_id, attr_id),
  FOREIGN KEY (tenant, device_id) REFERENCES dm_devices (tenant, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant, attr_id) REFERENCES dm_attrs (tenant, id) ON DELETE CASCADE
);
