package dev.kj.apiserver.admission.serviceaccount;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The secrets a pod spec names anywhere (upstream's VisitPodSecretNames over all containers). */
final class PodSecrets {
    private PodSecrets() {
    }

    private static final List<String> VOLUME_SECRET_REFS = List.of("cephfs", "cinder", "flexVolume", "rbd", "scaleIO",
            "iscsi", "storageos");

    static List<String> names(JsonNode spec) {
        List<String> names = new ArrayList<>();
        spec.path("imagePullSecrets").forEach(reference -> names.add(reference.path("name").asText("")));
        for (String containers : List.of("initContainers", "containers", "ephemeralContainers")) {
            for (JsonNode container : spec.path(containers)) {
                for (JsonNode source : container.path("envFrom")) {
                    if (source.path("secretRef").isObject()) {
                        names.add(source.path("secretRef").path("name").asText(""));
                    }
                }
                for (JsonNode env : container.path("env")) {
                    JsonNode reference = env.path("valueFrom").path("secretKeyRef");
                    if (reference.isObject()) {
                        names.add(reference.path("name").asText(""));
                    }
                }
            }
        }
        for (JsonNode volume : spec.path("volumes")) {
            if (volume.path("azureFile").isObject()) {
                names.add(volume.path("azureFile").path("secretName").asText(""));
            }
            for (String plugin : VOLUME_SECRET_REFS) {
                if (volume.path(plugin).path("secretRef").isObject()) {
                    names.add(volume.path(plugin).path("secretRef").path("name").asText(""));
                }
            }
            for (JsonNode source : volume.path("projected").path("sources")) {
                if (source.path("secret").isObject()) {
                    names.add(source.path("secret").path("name").asText(""));
                }
            }
            if (volume.path("secret").isObject()) {
                names.add(volume.path("secret").path("secretName").asText(""));
            }
            if (volume.path("csi").path("nodePublishSecretRef").isObject()) {
                names.add(volume.path("csi").path("nodePublishSecretRef").path("name").asText(""));
            }
        }
        return names;
    }
}
