package dev.kj.apiserver.registry.core.service;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * {@code --service-cluster-ip-range}: which addresses of the CIDR are allocatable and which bitmap
 * item each one is, as upstream's ipallocator numbers them (item 0 is the address after the
 * network address; an IPv4 range leaves out its broadcast address; an IPv6 range is capped at
 * 65,536 items).
 *
 * @param text the CIDR as given (upstream stores net.IPNet's String(): network address / prefix)
 */
public record ServiceCidr(String text, byte[] network, int prefix) {
    public static final String DEFAULT = "10.43.0.0/16";

    public ServiceCidr {
        network = network.clone();
    }

    /** Parses {@code a.b.c.d/n} or an IPv6 CIDR; the address is masked to its network. */
    public static ServiceCidr parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("--service-cluster-ip-range: invalid CIDR address: " + cidr);
        }
        try {
            byte[] address = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
            int prefix = Integer.parseInt(cidr.substring(slash + 1));
            if (prefix < 0 || prefix > address.length * 8 || !cidr.substring(0, slash).matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("--service-cluster-ip-range: invalid CIDR address: " + cidr);
            }
            BigInteger mask = BigInteger.ONE.shiftLeft(address.length * 8).subtract(BigInteger.ONE)
                    .xor(BigInteger.ONE.shiftLeft(address.length * 8 - prefix).subtract(BigInteger.ONE));
            byte[] network = toBytes(new BigInteger(1, address).and(mask), address.length);
            ServiceCidr parsed = new ServiceCidr(InetAddress.getByAddress(network).getHostAddress() + "/" + prefix, network, prefix);
            if (parsed.size() < 1) {
                throw new IllegalArgumentException("--service-cluster-ip-range: " + cidr + " holds no allocatable address");
            }
            return parsed;
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("--service-cluster-ip-range: invalid CIDR address: " + cidr);
        }
    }

    private boolean ipv4() {
        return network.length == 4;
    }

    /** How many items the bitmap holds. */
    public int size() {
        BigInteger addresses = BigInteger.ONE.shiftLeft(network.length * 8 - prefix);
        long max = addresses.min(BigInteger.valueOf(1L << 31)).longValue();
        if (!ipv4()) {
            max = Math.min(max, 65536);
        } else {
            max--; // the broadcast address
        }
        return (int) Math.max(0, max - 1); // the network address
    }

    /** The lower band random allocation avoids: min(max(16, size/16), 256), 0 for tiny ranges. */
    public int staticBand() {
        BigInteger addresses = BigInteger.ONE.shiftLeft(network.length * 8 - prefix);
        if (addresses.compareTo(BigInteger.valueOf(16)) <= 0) {
            return 0;
        }
        long step = addresses.divide(BigInteger.valueOf(16)).min(BigInteger.valueOf(256)).longValue();
        return (int) Math.max(16, step);
    }

    /** The item of {@code ip}, or -1 when it is not an allocatable address of this range (or not an address). */
    public int indexOf(String ip) {
        byte[] address;
        try {
            if (!ip.matches("[0-9a-fA-F:.]+")) {
                return -1;
            }
            address = InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            return -1;
        }
        if (address.length != network.length) {
            return -1;
        }
        BigInteger offset = new BigInteger(1, address).subtract(new BigInteger(1, network)).subtract(BigInteger.ONE);
        return offset.signum() < 0 || offset.compareTo(BigInteger.valueOf(size())) >= 0 ? -1 : offset.intValue();
    }

    /** The address of item {@code index}. */
    public String address(int index) {
        BigInteger value = new BigInteger(1, network).add(BigInteger.valueOf(index + 1L));
        try {
            return InetAddress.getByAddress(toBytes(value, network.length)).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "IPv4" or "IPv6", as spec.ipFamilies names them. */
    public String family() {
        return ipv4() ? "IPv4" : "IPv6";
    }

    private static byte[] toBytes(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
        return out;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ServiceCidr o && o.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text + " " + Arrays.toString(network);
    }
}
