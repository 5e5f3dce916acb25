# radgate RouterOS configuration for NAS "core-1" (workspace "default")
# RADIUS server 192.0.2.10 (auth 1812, acct 1813) for ppp; CoA/Disconnect on UDP 3799.
# Unpaid subscribers (address list radgate-unpaid): HTTP redirected to 198.51.100.20:8081 (reminder_host pay.isp.example, resolved when rendering).
# Allowed while unpaid: DNS, pay.isp.example, checkout.gateway.example, cdn.gateway.example.
# IPv6 (router.ipv6): unpaid prefixes in /ipv6 firewall address-list radgate-unpaid, kept by radgate reconcile from accounting
# (Framed-IPv6-Prefix, Delegated-IPv6-Prefix); HTTP and HTTPS answered with a TCP reset, the rest dropped, so browsers
# fall back to IPv4 and its redirect. No IPv6 NAT redirect is used. Unverified: DNS names in an /ipv6 address list.
#
# Safe to run again: objects are found by comment="radgate:<key>", added when missing, updated when present;
# radgate: objects no longer configured are removed; nothing without a radgate: comment is touched.
# Contains the RADIUS shared secret of this NAS: keep the file private.
# Check first (RouterOS 7): /import file-name=<this file> dry-run verbose=yes

# ---- preflight: names radgate needs must be free ---------------------------------------------------
:if ([:len [/radius find where address=192.0.2.10 and comment!="radgate:radius"]] > 0) do={ :error "radgate: /radius address=192.0.2.10 exists but is not managed by radgate; change or remove it, or set its comment to radgate:radius to hand it over" }
:if ([:len [/ppp profile find where name=expired and comment!="radgate:ppp-profile"]] > 0) do={ :error "radgate: /ppp profile name=expired exists but is not managed by radgate; change or remove it, or set its comment to radgate:ppp-profile to hand it over" }

# ---- /radius incoming ------------------------------------------------------------------------------
/radius incoming set accept=yes port=3799

# ---- /ppp aaa --------------------------------------------------------------------------------------
/ppp aaa set use-radius=yes accounting=yes interim-update=5m

# ---- /radius ---------------------------------------------------------------------------------------
{
  :local ids [/radius find where comment="radgate:radius"]
  :if ([:len $ids] = 0) do={
    /radius add address=192.0.2.10 secret="k7Qe\"9x\$2L\\mP4\?vB8nZ" service=ppp authentication-port=1812 accounting-port=1813 timeout=3s src-address=10.0.0.1 comment="radgate:radius"
  } else={
    :if ([:len $ids] > 1) do={ /radius remove [:pick $ids 1 [:len $ids]] }
    /radius set [:pick $ids 0] address=192.0.2.10 secret="k7Qe\"9x\$2L\\mP4\?vB8nZ" service=ppp authentication-port=1812 accounting-port=1813 timeout=3s src-address=10.0.0.1
  }
}

# ---- /ppp profile ----------------------------------------------------------------------------------
{
  :local ids [/ppp profile find where comment="radgate:ppp-profile"]
  :if ([:len $ids] = 0) do={
    /ppp profile add name=expired address-list=radgate-unpaid rate-limit=256k/256k on-up=":local radgateList \"radgate-unpaid\"\n:local radgateTag (\"radgate-user:\" . \$user)\n:local radgateAddress [:tostr \$\"remote-address\"]\n/ip firewall address-list remove [find where list=\$radgateList and dynamic=no and (comment=\$radgateTag or (address=\$radgateAddress and comment~\"^radgate-user:\"))]\n:do { /ip firewall address-list add list=\$radgateList address=\$radgateAddress comment=\$radgateTag } on-error={ :log warning (\"radgate: could not list \" . \$radgateAddress . \" for \" . \$user) }" on-down=":local radgateList \"radgate-unpaid\"\n:local radgateTag (\"radgate-user:\" . \$user)\n:local radgateAddress [:tostr \$\"remote-address\"]\n/ip firewall address-list remove [find where list=\$radgateList and dynamic=no and comment=\$radgateTag and address=\$radgateAddress]" comment="radgate:ppp-profile"
  } else={
    :if ([:len $ids] > 1) do={ /ppp profile remove [:pick $ids 1 [:len $ids]] }
    /ppp profile set [:pick $ids 0] name=expired address-list=radgate-unpaid rate-limit=256k/256k on-up=":local radgateList \"radgate-unpaid\"\n:local radgateTag (\"radgate-user:\" . \$user)\n:local radgateAddress [:tostr \$\"remote-address\"]\n/ip firewall address-list remove [find where list=\$radgateList and dynamic=no and (comment=\$radgateTag or (address=\$radgateAddress and comment~\"^radgate-user:\"))]\n:do { /ip firewall address-list add list=\$radgateList address=\$radgateAddress comment=\$radgateTag } on-error={ :log warning (\"radgate: could not list \" . \$radgateAddress . \" for \" . \$user) }" on-down=":local radgateList \"radgate-unpaid\"\n:local radgateTag (\"radgate-user:\" . \$user)\n:local radgateAddress [:tostr \$\"remote-address\"]\n/ip firewall address-list remove [find where list=\$radgateList and dynamic=no and comment=\$radgateTag and address=\$radgateAddress]"
  }
}

# ---- /ip firewall address-list ---------------------------------------------------------------------
{
  :local ids [/ip firewall address-list find where comment="radgate:allow:pay.isp.example"]
  :if ([:len $ids] = 0) do={
    /ip firewall address-list add list=radgate-allow address=pay.isp.example comment="radgate:allow:pay.isp.example"
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall address-list remove [:pick $ids 1 [:len $ids]] }
    /ip firewall address-list set [:pick $ids 0] list=radgate-allow address=pay.isp.example
  }
}
{
  :local ids [/ip firewall address-list find where comment="radgate:allow:checkout.gateway.example"]
  :if ([:len $ids] = 0) do={
    /ip firewall address-list add list=radgate-allow address=checkout.gateway.example comment="radgate:allow:checkout.gateway.example"
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall address-list remove [:pick $ids 1 [:len $ids]] }
    /ip firewall address-list set [:pick $ids 0] list=radgate-allow address=checkout.gateway.example
  }
}
{
  :local ids [/ip firewall address-list find where comment="radgate:allow:cdn.gateway.example"]
  :if ([:len $ids] = 0) do={
    /ip firewall address-list add list=radgate-allow address=cdn.gateway.example comment="radgate:allow:cdn.gateway.example"
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall address-list remove [:pick $ids 1 [:len $ids]] }
    /ip firewall address-list set [:pick $ids 0] list=radgate-allow address=cdn.gateway.example
  }
}

# ---- /ip firewall nat ------------------------------------------------------------------------------
{
  :local ids [/ip firewall nat find where comment="radgate:http-redirect"]
  :local anchors [/ip firewall nat find where chain=dstnat and dynamic=no and !(comment~"^radgate:")]
  :if ([:len $ids] = 0) do={
    :if ([:len $anchors] = 0) do={ /ip firewall nat add chain=dstnat src-address-list=radgate-unpaid dst-address-list=!radgate-allow protocol=tcp dst-port=80 action=dst-nat to-addresses=198.51.100.20 to-ports=8081 comment="radgate:http-redirect" } else={ /ip firewall nat add chain=dstnat src-address-list=radgate-unpaid dst-address-list=!radgate-allow protocol=tcp dst-port=80 action=dst-nat to-addresses=198.51.100.20 to-ports=8081 comment="radgate:http-redirect" place-before=[:pick $anchors 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall nat remove [:pick $ids 1 [:len $ids]] }
    /ip firewall nat set [:pick $ids 0] chain=dstnat src-address-list=radgate-unpaid dst-address-list=!radgate-allow protocol=tcp dst-port=80 action=dst-nat to-addresses=198.51.100.20 to-ports=8081
    :if ([:len $anchors] > 0) do={
      :local all [/ip firewall nat find]
      :if ([:find $all [:pick $ids 0]] > [:find $all [:pick $anchors 0]]) do={ /ip firewall nat move [:pick $ids 0] destination=[:pick $anchors 0] }
    }
  }
}

# ---- /ip firewall filter ---------------------------------------------------------------------------
{
  :local ids [/ip firewall filter find where comment="radgate:jump"]
  :local anchors [/ip firewall filter find where chain=forward and dynamic=no and !(comment~"^radgate:")]
  :if ([:len $ids] = 0) do={
    :if ([:len $anchors] = 0) do={ /ip firewall filter add chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid comment="radgate:jump" } else={ /ip firewall filter add chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid comment="radgate:jump" place-before=[:pick $anchors 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid
    :if ([:len $anchors] > 0) do={
      :local all [/ip firewall filter find]
      :if ([:find $all [:pick $ids 0]] > [:find $all [:pick $anchors 0]]) do={ /ip firewall filter move [:pick $ids 0] destination=[:pick $anchors 0] }
    }
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:dns"]
  :local later [/ip firewall filter find where comment="radgate:dns-tcp" or comment="radgate:captive" or comment="radgate:allowlist" or comment="radgate:tls:pay.isp.example" or comment="radgate:tls:*.pay.isp.example" or comment="radgate:tls:checkout.gateway.example" or comment="radgate:tls:*.checkout.gateway.example" or comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=udp dst-port=53 action=accept comment="radgate:dns" } else={ /ip firewall filter add chain=radgate-unpaid protocol=udp dst-port=53 action=accept comment="radgate:dns" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=udp dst-port=53 action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:dns-tcp"]
  :local later [/ip firewall filter find where comment="radgate:captive" or comment="radgate:allowlist" or comment="radgate:tls:pay.isp.example" or comment="radgate:tls:*.pay.isp.example" or comment="radgate:tls:checkout.gateway.example" or comment="radgate:tls:*.checkout.gateway.example" or comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=53 action=accept comment="radgate:dns-tcp" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=53 action=accept comment="radgate:dns-tcp" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=53 action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:captive"]
  :local later [/ip firewall filter find where comment="radgate:allowlist" or comment="radgate:tls:pay.isp.example" or comment="radgate:tls:*.pay.isp.example" or comment="radgate:tls:checkout.gateway.example" or comment="radgate:tls:*.checkout.gateway.example" or comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-address=198.51.100.20 dst-port=8081 action=accept comment="radgate:captive" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-address=198.51.100.20 dst-port=8081 action=accept comment="radgate:captive" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-address=198.51.100.20 dst-port=8081 action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:allowlist"]
  :local later [/ip firewall filter find where comment="radgate:tls:pay.isp.example" or comment="radgate:tls:*.pay.isp.example" or comment="radgate:tls:checkout.gateway.example" or comment="radgate:tls:*.checkout.gateway.example" or comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid dst-address-list=radgate-allow action=accept comment="radgate:allowlist" } else={ /ip firewall filter add chain=radgate-unpaid dst-address-list=radgate-allow action=accept comment="radgate:allowlist" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid dst-address-list=radgate-allow action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:tls:pay.isp.example"]
  :local later [/ip firewall filter find where comment="radgate:tls:*.pay.isp.example" or comment="radgate:tls:checkout.gateway.example" or comment="radgate:tls:*.checkout.gateway.example" or comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=pay.isp.example action=accept comment="radgate:tls:pay.isp.example" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=pay.isp.example action=accept comment="radgate:tls:pay.isp.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=pay.isp.example action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:tls:*.pay.isp.example"]
  :local later [/ip firewall filter find where comment="radgate:tls:checkout.gateway.example" or comment="radgate:tls:*.checkout.gateway.example" or comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept comment="radgate:tls:*.pay.isp.example" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept comment="radgate:tls:*.pay.isp.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:tls:checkout.gateway.example"]
  :local later [/ip firewall filter find where comment="radgate:tls:*.checkout.gateway.example" or comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=checkout.gateway.example action=accept comment="radgate:tls:checkout.gateway.example" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=checkout.gateway.example action=accept comment="radgate:tls:checkout.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=checkout.gateway.example action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:tls:*.checkout.gateway.example"]
  :local later [/ip firewall filter find where comment="radgate:tls:cdn.gateway.example" or comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.checkout.gateway.example" action=accept comment="radgate:tls:*.checkout.gateway.example" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.checkout.gateway.example" action=accept comment="radgate:tls:*.checkout.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.checkout.gateway.example" action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:tls:cdn.gateway.example"]
  :local later [/ip firewall filter find where comment="radgate:tls:*.cdn.gateway.example" or comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=cdn.gateway.example action=accept comment="radgate:tls:cdn.gateway.example" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=cdn.gateway.example action=accept comment="radgate:tls:cdn.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=cdn.gateway.example action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:tls:*.cdn.gateway.example"]
  :local later [/ip firewall filter find where comment="radgate:reject" or comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.cdn.gateway.example" action=accept comment="radgate:tls:*.cdn.gateway.example" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.cdn.gateway.example" action=accept comment="radgate:tls:*.cdn.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.cdn.gateway.example" action=accept
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:reject"]
  :local later [/ip firewall filter find where comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ip firewall filter add chain=radgate-unpaid protocol=tcp action=reject reject-with=tcp-reset comment="radgate:reject" } else={ /ip firewall filter add chain=radgate-unpaid protocol=tcp action=reject reject-with=tcp-reset comment="radgate:reject" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp action=reject reject-with=tcp-reset
  }
}
{
  :local ids [/ip firewall filter find where comment="radgate:drop"]
  :if ([:len $ids] = 0) do={
    /ip firewall filter add chain=radgate-unpaid action=drop comment="radgate:drop"
  } else={
    :if ([:len $ids] > 1) do={ /ip firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ip firewall filter set [:pick $ids 0] chain=radgate-unpaid action=drop
  }
}

# ---- /ipv6 firewall address-list -------------------------------------------------------------------
{
  :local ids [/ipv6 firewall address-list find where comment="radgate:v6-allow:pay.isp.example"]
  :if ([:len $ids] = 0) do={
    /ipv6 firewall address-list add list=radgate-allow address=pay.isp.example comment="radgate:v6-allow:pay.isp.example"
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall address-list remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall address-list set [:pick $ids 0] list=radgate-allow address=pay.isp.example
  }
}
{
  :local ids [/ipv6 firewall address-list find where comment="radgate:v6-allow:checkout.gateway.example"]
  :if ([:len $ids] = 0) do={
    /ipv6 firewall address-list add list=radgate-allow address=checkout.gateway.example comment="radgate:v6-allow:checkout.gateway.example"
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall address-list remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall address-list set [:pick $ids 0] list=radgate-allow address=checkout.gateway.example
  }
}
{
  :local ids [/ipv6 firewall address-list find where comment="radgate:v6-allow:cdn.gateway.example"]
  :if ([:len $ids] = 0) do={
    /ipv6 firewall address-list add list=radgate-allow address=cdn.gateway.example comment="radgate:v6-allow:cdn.gateway.example"
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall address-list remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall address-list set [:pick $ids 0] list=radgate-allow address=cdn.gateway.example
  }
}

# ---- /ipv6 firewall filter -------------------------------------------------------------------------
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-jump"]
  :local anchors [/ipv6 firewall filter find where chain=forward and dynamic=no and !(comment~"^radgate:")]
  :if ([:len $ids] = 0) do={
    :if ([:len $anchors] = 0) do={ /ipv6 firewall filter add chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid comment="radgate:v6-jump" } else={ /ipv6 firewall filter add chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid comment="radgate:v6-jump" place-before=[:pick $anchors 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid
    :if ([:len $anchors] > 0) do={
      :local all [/ipv6 firewall filter find]
      :if ([:find $all [:pick $ids 0]] > [:find $all [:pick $anchors 0]]) do={ /ipv6 firewall filter move [:pick $ids 0] destination=[:pick $anchors 0] }
    }
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-dns"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-dns-tcp" or comment="radgate:v6-icmpv6" or comment="radgate:v6-allowlist" or comment="radgate:v6-tls:pay.isp.example" or comment="radgate:v6-tls:*.pay.isp.example" or comment="radgate:v6-tls:checkout.gateway.example" or comment="radgate:v6-tls:*.checkout.gateway.example" or comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=udp dst-port=53 action=accept comment="radgate:v6-dns" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=udp dst-port=53 action=accept comment="radgate:v6-dns" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=udp dst-port=53 action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-dns-tcp"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-icmpv6" or comment="radgate:v6-allowlist" or comment="radgate:v6-tls:pay.isp.example" or comment="radgate:v6-tls:*.pay.isp.example" or comment="radgate:v6-tls:checkout.gateway.example" or comment="radgate:v6-tls:*.checkout.gateway.example" or comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=53 action=accept comment="radgate:v6-dns-tcp" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=53 action=accept comment="radgate:v6-dns-tcp" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=53 action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-icmpv6"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-allowlist" or comment="radgate:v6-tls:pay.isp.example" or comment="radgate:v6-tls:*.pay.isp.example" or comment="radgate:v6-tls:checkout.gateway.example" or comment="radgate:v6-tls:*.checkout.gateway.example" or comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=icmpv6 action=accept comment="radgate:v6-icmpv6" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=icmpv6 action=accept comment="radgate:v6-icmpv6" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=icmpv6 action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-allowlist"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-tls:pay.isp.example" or comment="radgate:v6-tls:*.pay.isp.example" or comment="radgate:v6-tls:checkout.gateway.example" or comment="radgate:v6-tls:*.checkout.gateway.example" or comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid dst-address-list=radgate-allow action=accept comment="radgate:v6-allowlist" } else={ /ipv6 firewall filter add chain=radgate-unpaid dst-address-list=radgate-allow action=accept comment="radgate:v6-allowlist" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid dst-address-list=radgate-allow action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-tls:pay.isp.example"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-tls:*.pay.isp.example" or comment="radgate:v6-tls:checkout.gateway.example" or comment="radgate:v6-tls:*.checkout.gateway.example" or comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=pay.isp.example action=accept comment="radgate:v6-tls:pay.isp.example" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=pay.isp.example action=accept comment="radgate:v6-tls:pay.isp.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=pay.isp.example action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-tls:*.pay.isp.example"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-tls:checkout.gateway.example" or comment="radgate:v6-tls:*.checkout.gateway.example" or comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept comment="radgate:v6-tls:*.pay.isp.example" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept comment="radgate:v6-tls:*.pay.isp.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-tls:checkout.gateway.example"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-tls:*.checkout.gateway.example" or comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=checkout.gateway.example action=accept comment="radgate:v6-tls:checkout.gateway.example" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=checkout.gateway.example action=accept comment="radgate:v6-tls:checkout.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=checkout.gateway.example action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-tls:*.checkout.gateway.example"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-tls:cdn.gateway.example" or comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.checkout.gateway.example" action=accept comment="radgate:v6-tls:*.checkout.gateway.example" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.checkout.gateway.example" action=accept comment="radgate:v6-tls:*.checkout.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.checkout.gateway.example" action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-tls:cdn.gateway.example"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-tls:*.cdn.gateway.example" or comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=cdn.gateway.example action=accept comment="radgate:v6-tls:cdn.gateway.example" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=cdn.gateway.example action=accept comment="radgate:v6-tls:cdn.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host=cdn.gateway.example action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-tls:*.cdn.gateway.example"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-reject" or comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.cdn.gateway.example" action=accept comment="radgate:v6-tls:*.cdn.gateway.example" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.cdn.gateway.example" action=accept comment="radgate:v6-tls:*.cdn.gateway.example" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.cdn.gateway.example" action=accept
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-reject"]
  :local later [/ipv6 firewall filter find where comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    :if ([:len $later] = 0) do={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp action=reject reject-with=tcp-reset comment="radgate:v6-reject" } else={ /ipv6 firewall filter add chain=radgate-unpaid protocol=tcp action=reject reject-with=tcp-reset comment="radgate:v6-reject" place-before=[:pick $later 0] }
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid protocol=tcp action=reject reject-with=tcp-reset
  }
}
{
  :local ids [/ipv6 firewall filter find where comment="radgate:v6-drop"]
  :if ([:len $ids] = 0) do={
    /ipv6 firewall filter add chain=radgate-unpaid action=drop comment="radgate:v6-drop"
  } else={
    :if ([:len $ids] > 1) do={ /ipv6 firewall filter remove [:pick $ids 1 [:len $ids]] }
    /ipv6 firewall filter set [:pick $ids 0] chain=radgate-unpaid action=drop
  }
}

# ---- remove radgate objects this configuration no longer wants -------------------------------------
/radius remove [find where comment~"^radgate:" and comment!="radgate:radius"]
/ppp profile remove [find where comment~"^radgate:" and comment!="radgate:ppp-profile"]
/ip firewall address-list remove [find where comment~"^radgate:" and list=radgate-allow and dynamic=no and comment!="radgate:allow:pay.isp.example" and comment!="radgate:allow:checkout.gateway.example" and comment!="radgate:allow:cdn.gateway.example"]
/ip firewall nat remove [find where comment~"^radgate:" and dynamic=no and comment!="radgate:http-redirect"]
/ip firewall filter remove [find where comment~"^radgate:" and dynamic=no and comment!="radgate:jump" and comment!="radgate:dns" and comment!="radgate:dns-tcp" and comment!="radgate:captive" and comment!="radgate:allowlist" and comment!="radgate:tls:pay.isp.example" and comment!="radgate:tls:*.pay.isp.example" and comment!="radgate:tls:checkout.gateway.example" and comment!="radgate:tls:*.checkout.gateway.example" and comment!="radgate:tls:cdn.gateway.example" and comment!="radgate:tls:*.cdn.gateway.example" and comment!="radgate:reject" and comment!="radgate:drop"]
/ip hotspot walled-garden remove [find where comment~"^radgate:"]
/ip hotspot walled-garden ip remove [find where comment~"^radgate:"]
/ipv6 firewall address-list remove [find where comment~"^radgate:" and list=radgate-allow and dynamic=no and comment!="radgate:v6-allow:pay.isp.example" and comment!="radgate:v6-allow:checkout.gateway.example" and comment!="radgate:v6-allow:cdn.gateway.example"]
/ipv6 firewall filter remove [find where comment~"^radgate:" and dynamic=no and comment!="radgate:v6-jump" and comment!="radgate:v6-dns" and comment!="radgate:v6-dns-tcp" and comment!="radgate:v6-icmpv6" and comment!="radgate:v6-allowlist" and comment!="radgate:v6-tls:pay.isp.example" and comment!="radgate:v6-tls:*.pay.isp.example" and comment!="radgate:v6-tls:checkout.gateway.example" and comment!="radgate:v6-tls:*.checkout.gateway.example" and comment!="radgate:v6-tls:cdn.gateway.example" and comment!="radgate:v6-tls:*.cdn.gateway.example" and comment!="radgate:v6-reject" and comment!="radgate:v6-drop"]

# ---- keep rule order -------------------------------------------------------------------------------
{
  :local order {"radgate:dns";"radgate:dns-tcp";"radgate:captive";"radgate:allowlist";"radgate:tls:pay.isp.example";"radgate:tls:*.pay.isp.example";"radgate:tls:checkout.gateway.example";"radgate:tls:*.checkout.gateway.example";"radgate:tls:cdn.gateway.example";"radgate:tls:*.cdn.gateway.example";"radgate:reject";"radgate:drop"}
  :for i from=([:len $order] - 2) to=0 step=-1 do={
    :local a [:pick [/ip firewall filter find where comment=[:pick $order $i]] 0]
    :local b [:pick [/ip firewall filter find where comment=[:pick $order ($i + 1)]] 0]
    :local all [/ip firewall filter find]
    :if ([:find $all $a] > [:find $all $b]) do={ /ip firewall filter move $a destination=$b }
  }
}
{
  :local order {"radgate:v6-dns";"radgate:v6-dns-tcp";"radgate:v6-icmpv6";"radgate:v6-allowlist";"radgate:v6-tls:pay.isp.example";"radgate:v6-tls:*.pay.isp.example";"radgate:v6-tls:checkout.gateway.example";"radgate:v6-tls:*.checkout.gateway.example";"radgate:v6-tls:cdn.gateway.example";"radgate:v6-tls:*.cdn.gateway.example";"radgate:v6-reject";"radgate:v6-drop"}
  :for i from=([:len $order] - 2) to=0 step=-1 do={
    :local a [:pick [/ipv6 firewall filter find where comment=[:pick $order $i]] 0]
    :local b [:pick [/ipv6 firewall filter find where comment=[:pick $order ($i + 1)]] 0]
    :local all [/ipv6 firewall filter find]
    :if ([:find $all $a] > [:find $all $b]) do={ /ipv6 firewall filter move $a destination=$b }
  }
}
