package dev.kj.rhino.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.kj.rhino.api.authpb.Permission;
import dev.kj.rhino.api.authpb.Role;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** etcd's range permission rules (range_perm_cache.go and adt's affine intervals), case by case. */
class KeyPermissionsTest {
    private static final String ZERO = "\0";

    record Case(String name, List<Permission> granted, boolean write, String key, String rangeEnd, boolean permitted) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Permission perm(Permission.Type type, String key, String rangeEnd) {
        return Permission.newBuilder().setPermType(type).setKey(ByteString.copyFromUtf8(key))
                .setRangeEnd(ByteString.copyFromUtf8(rangeEnd)).build();
    }

    static Stream<Case> cases() {
        Permission readFoo = perm(Permission.Type.READ, "foo", "");
        Permission rwPrefix = perm(Permission.Type.READWRITE, "pre/", "pre0");
        Permission writeFromZz = perm(Permission.Type.WRITE, "zz", ZERO);
        Permission readAtoC = perm(Permission.Type.READ, "a", "c");
        Permission readCtoE = perm(Permission.Type.READ, "c", "e");
        Permission readFtoG = perm(Permission.Type.READ, "f", "g");
        return Stream.of(
                new Case("a single key grants that key", List.of(readFoo), false, "foo", "", true),
                new Case("a single key grants no other key", List.of(readFoo), false, "foo1", "", false),
                new Case("read does not grant write", List.of(readFoo), true, "foo", "", false),
                new Case("a single key grants no range starting at it", List.of(readFoo), false, "foo", "foo1", false),
                new Case("a single key grants the range [key, key\\0)", List.of(readFoo), false, "foo", "foo" + ZERO, true),
                new Case("a prefix grants a key inside", List.of(rwPrefix), true, "pre/x", "", true),
                new Case("a prefix grants itself as a range", List.of(rwPrefix), false, "pre/", "pre0", true),
                new Case("a prefix grants a sub-range", List.of(rwPrefix), false, "pre/a", "pre/b", true),
                new Case("a prefix grants no wider range", List.of(rwPrefix), false, "pre", "pre0", false),
                new Case("a prefix grants no range reaching past it", List.of(rwPrefix), false, "pre/a", "pre1", false),
                new Case("from-key grants keys above", List.of(writeFromZz), true, "zzz", "", true),
                new Case("from-key grants a from-key range above", List.of(writeFromZz), true, "zzz", ZERO, true),
                new Case("from-key grants no key below", List.of(writeFromZz), true, "zy", "", false),
                new Case("a bounded grant is no from-key grant", List.of(rwPrefix), false, "pre/", ZERO, false),
                new Case("adjacent grants join", List.of(readAtoC, readCtoE), false, "b", "d", true),
                new Case("a gap between grants refuses", List.of(readAtoC, readFtoG), false, "b", "f1", false),
                new Case("nothing granted refuses", List.of(), false, "a", "", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesLikeEtcd(Case c) {
        KeyPermissions permissions = KeyPermissions.of(List.of(Role.newBuilder().addAllKeyPermission(c.granted()).build()));
        assertEquals(c.permitted(), permissions.permits(c.write(), ByteString.copyFromUtf8(c.key()),
                ByteString.copyFromUtf8(c.rangeEnd())));
    }
}
