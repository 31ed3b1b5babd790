"""test_unicode_names.py -- names lowercased as the original's Go
strings.ToLower does (Unicode, not ASCII): the four cases recorded from the
original in issue 17.

One agent `S-ÄB` (10.0.0.1) runs marathon's `kafka` (ports 31000) and a
task whose DiscoveryInfo name is `Äb` (port 8080, tcp), which the legacy
pass of records.md §4 keeps raw (`Äb.marathon.mesos.`).
"""

import json

import dns.rdatatype

from harness import minimal_state, task_hash

AGENT = "S-\u00c4B"
KAFKA_ID = "kafka.0001"
# records.md §4: canonical = T-hash-sid, sid = lowercase of the id's text
# after its last "-": "ÄB" -> "äb".
KAFKA_SLAVE = "kafka-%s-\u00e4b.marathon.slave.mesos." % task_hash(KAFKA_ID)
EMPTY_HOSTS = [{"host": "", "ip": ""}]
EMPTY_SERVICES = [{"service": "", "host": "", "ip": "", "port": ""}]


def unicode_state():
    st = minimal_state()
    agent = st["slaves"][0]
    agent["id"] = AGENT
    agent["hostname"] = "10.0.0.1"
    agent["pid"] = "slave(1)@10.0.0.1:5051"
    st["frameworks"][0]["tasks"] = [
        {
            "id": KAFKA_ID,
            "name": "kafka",
            "framework_id": "F1-0000",
            "slave_id": AGENT,
            "state": "TASK_RUNNING",
            "resources": {"ports": "[31000-31000]"},
        },
        {
            "id": "ab.0001",
            "name": "ab-task",
            "framework_id": "F1-0000",
            "slave_id": AGENT,
            "state": "TASK_RUNNING",
            "discovery": {
                "name": "\u00c4b",
                "visibility": "FRAMEWORK",
                "ports": {"ports": [{"number": 8080, "protocol": "tcp"}]},
            },
        },
    ]
    return st


def start(master_factory, daemon_factory, **config):
    m = master_factory(state=unicode_state())
    cfg = {"EventsOn": False, "stateTimeoutSeconds": 5}
    cfg.update(config)
    return daemon_factory(master=m, config=cfg)


def get_json(d, path):
    status, headers, body = d.get(path)
    assert status == 200, (path, status, body)
    return json.loads(body)


def test_raw_discovery_name_not_found_after_lowercasing(master_factory,
                                                         daemon_factory):
    """Case 1: the key is lowercased to `äb...`, the record is `Äb...`."""
    d = start(master_factory, daemon_factory)
    recs = d.axfr()["Records"]
    assert "\u00c4b.marathon.mesos." in recs["As"]
    assert "_\u00c4b._tcp.marathon.mesos." in recs["SRVs"]
    assert get_json(d, "/v1/hosts/%C3%84b.marathon.mesos.") == EMPTY_HOSTS
    assert get_json(d, "/v1/services/_%C3%84b._tcp.marathon.mesos.") == \
        EMPTY_SERVICES


def test_kelvin_sign_lowercases_to_k(master_factory, daemon_factory):
    """Case 2: U+212A KELVIN SIGN in the key is `k`."""
    d = start(master_factory, daemon_factory)
    assert get_json(d, "/v1/hosts/%E2%84%AAafka.marathon.mesos.") == [
        {"host": "kafka.marathon.mesos.", "ip": "10.0.0.1"}]
    doc = get_json(d, "/v1/services/_%E2%84%AAafka._tcp.marathon.mesos.")
    assert [(e["host"], e["ip"], e["port"]) for e in doc] == [
        (KAFKA_SLAVE, "10.0.0.1", "31000")]


def test_agent_id_suffix_lowercased(master_factory, daemon_factory):
    """Case 3: agent `S-ÄB` gives `kafka-<hash>-äb.marathon.slave.mesos.`
    in /v1/axfr and as the SRV target over DNS."""
    d = start(master_factory, daemon_factory)
    recs = d.axfr()["Records"]
    assert recs["As"][KAFKA_SLAVE] == ["10.0.0.1"]
    assert recs["SRVs"]["_kafka._tcp.marathon.mesos."] == [
        KAFKA_SLAVE + ":31000"]
    assert not [n for n in recs["As"] if "\u00c4" in n and "kafka" in n]

    reply = d.dns("_kafka._tcp.marathon.mesos.", "SRV")
    [rrset] = reply.answer
    [srv] = list(rrset)
    want = KAFKA_SLAVE.encode()
    assert srv.target.to_wire() == b"".join(
        bytes([len(label)]) + label for label in want.split(b".")), \
        srv.target.labels
    glue = [r for r in reply.additional if r.rdtype == dns.rdatatype.A]
    assert [(r.name.labels[0], [x.address for x in r]) for r in glue] == [
        (want.split(b".")[0], ["10.0.0.1"])]


def test_kelvin_sign_domain(master_factory, daemon_factory):
    """Case 4: `"domain": "\\u212aube"` runs with domain `kube`."""
    d = start(master_factory, daemon_factory, domain="\u212aube")
    doc = d.axfr()
    assert doc["Domain"] == "kube"
    assert "kafka.marathon.kube." in doc["Records"]["As"]
    reply = d.dns("kafka.marathon.kube.", "A")
    assert [x.address for rrset in reply.answer for x in rrset] == [
        "10.0.0.1"]
    assert get_json(d, "/v1/config")["Domain"] == "kube"


def test_config_keys_fold_as_go_does(master_factory, daemon_factory):
    """The original decodes config.json with Go's encoding/json, whose key
    match folds U+017F LONG S to s and U+212A KELVIN SIGN to k: such keys
    set their fields."""
    d = start(master_factory, daemon_factory, **{
        "\u017fOAMname": "ns2.mesos"})
    cfg = get_json(d, "/v1/config")
    assert cfg["SOAMname"] == "ns2.mesos."
    reply = d.dns("missing.mesos.", "A")
    assert [str(r.mname) for rrset in reply.authority for r in rrset
            if r.rdtype == dns.rdatatype.SOA] == ["ns2.mesos."]


def test_state_keys_fold_as_go_does(master_factory, daemon_factory):
    """The master's state is decoded the same way: a framework whose
    "tasks" key is spelled with a LONG S still has its tasks."""
    st = unicode_state()
    fw = st["frameworks"][0]
    fw["ta\u017fks"] = fw.pop("tasks")
    m = master_factory(state=st)
    d = daemon_factory(master=m, config={"EventsOn": False,
                                         "stateTimeoutSeconds": 5})
    assert d.axfr()["Records"]["As"]["kafka.marathon.mesos."] == ["10.0.0.1"]
