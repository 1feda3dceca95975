#!/bin/sh
# The floor for the passive check: the same raw kernel queries netdoctor's snapshot makes,
# typed one after another in a plain shell, output discarded. Nothing here changes anything.
#
# usage: floor.sh [--exact] HOST_NS NS TARGET BRIDGE UPLINK NS_IP
# Default: the queries as a person types them (ip -j per object, nft -j list ruleset).
# --exact: netdoctor's own query set, spawn for spawn (one ip -batch per side, one sysctl for
# every key, the host's second-stage lookups in one ip -force -batch, nft -j only for the tables
# iptables-nft-save does not show), to see netdoctor's overhead on top of exactly what it reads.
# Both read everything netdoctor reads (links, routes, lookups, sysctls, neighbours, conntrack,
# the rp_filter drop counter, every netfilter backend); only files are left out (resolv.conf).
EXACT=
if [ "$1" = --exact ]; then EXACT=1; shift; fi
H=$1 N=$2 T=$3 BR=$4 UP=$5 NSIP=$6
[ -n "$NSIP" ] || { echo "usage: $0 [--exact] HOST_NS NS TARGET BRIDGE UPLINK NS_IP" >&2; exit 2; }

if [ -n "$EXACT" ]; then
  # first stage (netdoctor starts these at once)
  printf 'addr show\nroute show\nroute get %s\n' "$T" | ip -n "$H" -j -d -batch - >/dev/null 2>&1
  printf 'addr show\nroute show\nroute get %s\n' "$T" | ip -n "$N" -j -d -batch - >/dev/null 2>&1
  ip netns exec "$H" sysctl -e -r '^net\.ipv4\.(ip_forward|conf\.[^.]+\.(forwarding|rp_filter))$|^net\.bridge\.bridge-nf-call-iptables$' \
    net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.ipv4.conf >/dev/null 2>&1
  ip netns exec "$H" iptables-nft-save >/dev/null 2>&1
  ip netns exec "$H" iptables-legacy-save >/dev/null 2>&1
  # (netdoctor lists them as JSON: the same kernel query; text here, so sh can read it)
  ip netns exec "$H" nft list tables 2>/dev/null | while read -r _ f n; do
    case "$f $n" in
      "ip nat" | "ip filter" | "ip mangle" | "ip raw" | "ip security") ;; # shown by iptables-nft-save
      *) ip netns exec "$H" nft -j list table "$f" "$n" >/dev/null 2>&1 ;;
    esac
  done
  ip netns exec "$H" cat /proc/net/netstat >/dev/null 2>&1
  # second stage (needs the bridge and the namespace's address)
  printf 'route get %s from %s iif %s\nroute get %s\nneigh show dev %s\n' "$T" "$NSIP" "$BR" "$NSIP" "$BR" | ip -n "$H" -4 -j -force -batch - >/dev/null 2>&1
  ip netns exec "$H" conntrack -L -s "$NSIP" >/dev/null 2>&1
  exit 0
fi

# host side: links and addresses, routes, the route to the target, sysctls
ip -n "$H" -j -d addr show >/dev/null
ip -n "$H" -j -4 route show >/dev/null
ip -n "$H" -j route get "$T" >/dev/null 2>&1
ip netns exec "$H" sysctl -e net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.ipv4.conf.default.rp_filter net.bridge.bridge-nf-call-iptables >/dev/null 2>&1
# the namespace
ip -n "$N" -j -d addr show >/dev/null
ip -n "$N" -j -4 route show >/dev/null
ip -n "$N" -j route get "$T" >/dev/null 2>&1
# what depends on the topology: per-interface sysctls, the forwarded route, the way back,
# the bridge's neighbours, the namespace's conntrack entries
ip netns exec "$H" sysctl -e "net.ipv4.conf.$BR.forwarding" "net.ipv4.conf.$BR.rp_filter" "net.ipv4.conf.$UP.forwarding" "net.ipv4.conf.$UP.rp_filter" >/dev/null 2>&1
ip -n "$H" -j route get "$T" from "$NSIP" iif "$BR" >/dev/null 2>&1
ip -n "$H" -j route get "$NSIP" >/dev/null 2>&1
ip -n "$H" -j -4 neigh show dev "$BR" >/dev/null 2>&1
ip netns exec "$H" conntrack -L -s "$NSIP" >/dev/null 2>&1
# netfilter: native nft, iptables-nft, iptables-legacy (the tables the kernel has); rp_filter drops
ip netns exec "$H" nft -j list ruleset >/dev/null 2>&1
ip netns exec "$H" iptables-nft-save >/dev/null 2>&1
ip netns exec "$H" iptables-legacy-save >/dev/null 2>&1
ip netns exec "$H" cat /proc/net/netstat >/dev/null 2>&1
exit 0
