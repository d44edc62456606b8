package dev.kj.api.objects;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * fabric8 model objects, read and written with Jackson 3. Trees from list items and watch events
 * are Jackson 2's, so they cross as bytes (a second parse per object; a typed list or event
 * parser would avoid it if it ever shows in a profile). Equal for equal classes, so a factory
 * hands out one informer per class.
 */
final class TypedCodec<T extends HasMetadata> extends ModelCodec<T> {
    private final Class<T> type;

    TypedCodec(Class<T> type) {
        this.type = type;
    }

    @Override
    public T read(byte[] json) {
        return Json.TYPED.readValue(json, type);
    }

    @Override
    public T fromTree(ObjectNode tree) {
        return read(Json.write(tree));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TypedCodec<?> codec && codec.type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }
}
