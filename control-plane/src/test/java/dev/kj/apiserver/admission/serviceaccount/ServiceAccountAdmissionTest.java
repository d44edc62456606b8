package dev.kj.apiserver.admission.serviceaccount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kj.apiserver.admission.Attributes;
import dev.kj.apiserver.errors.StatusException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Upstream's ServiceAccount admission on pod creates, against accounts held in a map. */
class ServiceAccountAdmissionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ObjectNode> accounts = new HashMap<>();
    private int lookups;
    private final List<Long> pauses = new java.util.ArrayList<>();
    private final ServiceAccountAdmission plugin = new ServiceAccountAdmission((namespace, name) -> {
        lookups++;
        return Optional.ofNullable(accounts.get(namespace + "/" + name)).map(ObjectNode::deepCopy);
    }, () -> "abcde", pauses::add);

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private void account(String namespace, String json) {
        ObjectNode account = json(json);
        accounts.put(namespace + "/" + account.path("metadata").path("name").asText(), account);
    }

    private static Attributes create(ObjectNode pod) {
        return new Attributes(Attributes.Operation.CREATE, "", "pods", "", "ns", pod.path("metadata").path("name").asText(""),
                pod, null, null, false);
    }

    private ObjectNode admitted(String pod) {
        ObjectNode object = json(pod);
        plugin.admit(create(object));
        plugin.validate(create(object));
        return object;
    }

    @Test
    void defaultAccountAndTokenVolumeInEveryContainer() {
        account("ns", "{'metadata':{'name':'default','namespace':'ns'}}");
        ObjectNode pod = admitted("{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i','image':'busybox'}],"
                + "'containers':[{'name':'a','image':'nginx','volumeMounts':[{'name':'data','mountPath':'/data'}]},"
                + "{'name':'b','image':'nginx'}],'volumes':[{'name':'data','emptyDir':{}}]}}");
        ObjectNode expected = json("{'metadata':{'name':'p'},'spec':{"
                + "'initContainers':[{'name':'i','image':'busybox','volumeMounts':[{'name':'kube-api-access-abcde','readOnly':true,"
                + "'mountPath':'/var/run/secrets/kubernetes.io/serviceaccount'}]}],"
                + "'containers':[{'name':'a','image':'nginx','volumeMounts':[{'name':'data','mountPath':'/data'},"
                + "{'name':'kube-api-access-abcde','readOnly':true,'mountPath':'/var/run/secrets/kubernetes.io/serviceaccount'}]},"
                + "{'name':'b','image':'nginx','volumeMounts':[{'name':'kube-api-access-abcde','readOnly':true,"
                + "'mountPath':'/var/run/secrets/kubernetes.io/serviceaccount'}]}],"
                + "'volumes':[{'name':'data','emptyDir':{}},{'name':'kube-api-access-abcde','projected':{'sources':["
                + "{'serviceAccountToken':{'expirationSeconds':3607,'path':'token'}},"
                + "{'configMap':{'name':'kube-root-ca.crt','items':[{'key':'ca.crt','path':'ca.crt'}]}},"
                + "{'downwardAPI':{'items':[{'path':'namespace','fieldRef':{'apiVersion':'v1','fieldPath':'metadata.namespace'}}]}}],"
                + "'defaultMode':420}}],'serviceAccountName':'default','serviceAccount':'default'}}");
        assertEquals(expected, pod);
    }

    @Test
    void theDeprecatedServiceAccountFieldNamesTheAccount() {
        account("ns", "{'metadata':{'name':'robot'},'automountServiceAccountToken':false}");
        ObjectNode pod = admitted("{'metadata':{'name':'p'},'spec':{'serviceAccount':'robot','containers':[{'name':'a','image':'x'}]}}");
        assertEquals("robot", pod.path("spec").path("serviceAccountName").asText());
        assertEquals("robot", pod.path("spec").path("serviceAccount").asText());
    }

    @Test
    void automountTurnedOffByThePodOrTheAccountThePodWinning() {
        account("ns", "{'metadata':{'name':'default'},'automountServiceAccountToken':false}");
        account("ns", "{'metadata':{'name':'robot'}}");
        ObjectNode offByAccount = admitted("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'x'}]}}");
        assertFalse(offByAccount.path("spec").has("volumes"));
        assertFalse(offByAccount.path("spec").path("containers").path(0).has("volumeMounts"));
        ObjectNode onByPod = admitted("{'metadata':{'name':'p'},'spec':{'automountServiceAccountToken':true,"
                + "'containers':[{'name':'a','image':'x'}]}}");
        assertEquals("kube-api-access-abcde", onByPod.path("spec").path("volumes").path(0).path("name").asText());
        ObjectNode offByPod = admitted("{'metadata':{'name':'p'},'spec':{'serviceAccountName':'robot',"
                + "'automountServiceAccountToken':false,'containers':[{'name':'a','image':'x'}]}}");
        assertFalse(offByPod.path("spec").has("volumes"));
    }

    @Test
    void anExistingMountAtThePathOrTokenVolumeIsKept() {
        account("ns", "{'metadata':{'name':'default'}}");
        ObjectNode pod = admitted("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'x','volumeMounts':"
                + "[{'name':'mine','mountPath':'/var/run/secrets/kubernetes.io/serviceaccount'}]},{'name':'b','image':'x'}],"
                + "'volumes':[{'name':'mine','emptyDir':{}},{'name':'kube-api-access-zzzzz','emptyDir':{}}]}}");
        assertEquals(1, pod.path("spec").path("containers").path(0).path("volumeMounts").size());
        assertEquals("kube-api-access-zzzzz", pod.path("spec").path("containers").path(1).path("volumeMounts").path(0)
                .path("name").asText(), "the pod's own kube-api-access- volume is reused");
        assertEquals(2, pod.path("spec").path("volumes").size());
    }

    @Test
    void imagePullSecretsComeFromTheAccountWhenThePodHasNone() {
        account("ns", "{'metadata':{'name':'default'},'imagePullSecrets':[{'name':'registry'}]}");
        ObjectNode pod = admitted("{'metadata':{'name':'p'},'spec':{'automountServiceAccountToken':false,"
                + "'containers':[{'name':'a','image':'x'}]}}");
        assertEquals(json("{'a':[{'name':'registry'}]}").path("a"), pod.path("spec").path("imagePullSecrets"));
        ObjectNode own = admitted("{'metadata':{'name':'p'},'spec':{'automountServiceAccountToken':false,"
                + "'imagePullSecrets':[{'name':'mine'}],'containers':[{'name':'a','image':'x'}]}}");
        assertEquals("mine", own.path("spec").path("imagePullSecrets").path(0).path("name").asText());
        assertEquals(1, own.path("spec").path("imagePullSecrets").size());
    }

    @Test
    void aMissingAccountIsForbiddenAfterRetriesForTheDefaultOne() {
        StatusException missing = assertThrows(StatusException.class, () -> admitted(
                "{'metadata':{'name':'p'},'spec':{'serviceAccountName':'robot','containers':[{'name':'a','image':'x'}]}}"));
        assertEquals(403, missing.code());
        assertEquals("pods \"p\" is forbidden: error looking up service account ns/robot: serviceaccount \"robot\" not found",
                missing.getMessage());
        assertEquals(1, lookups, "a named account is looked up once");

        lookups = 0;
        StatusException noDefault = assertThrows(StatusException.class, () -> admitted(
                "{'metadata':{'generateName':'web-'},'spec':{'containers':[{'name':'a','image':'x'}]}}"));
        assertEquals("pods \"web-\" is forbidden: error looking up service account ns/default: serviceaccount \"default\""
                + " not found", noDefault.getMessage(), "the generateName stands for the name not yet generated");
        assertEquals(ServiceAccountAdmission.DEFAULT_ACCOUNT_ATTEMPTS, lookups);
        assertEquals(ServiceAccountAdmission.DEFAULT_ACCOUNT_ATTEMPTS - 1, pauses.size());
        pauses.forEach(pause -> assertEquals(true, pause >= 100 && pause < 200, "paused " + pause));
    }

    @Test
    void theDefaultAccountCreatedWhileWaitingIsUsed() {
        ServiceAccountAdmission appearing = new ServiceAccountAdmission((namespace, name) -> {
            lookups++;
            return lookups < 4 ? Optional.empty() : Optional.of(json("{'metadata':{'name':'default'}}"));
        }, () -> "abcde", pauses::add);
        ObjectNode pod = json("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'x'}]}}");
        appearing.admit(create(pod));
        assertEquals("default", pod.path("spec").path("serviceAccountName").asText());
        assertEquals(5, lookups, "four until it appeared, one more when admission validates what it admitted");
    }

    @Test
    void enforcedMountableSecrets() {
        account("ns", "{'metadata':{'name':'default','annotations':{'kubernetes.io/enforce-mountable-secrets':'true'}},"
                + "'secrets':[{'name':'allowed'}],'imagePullSecrets':[{'name':'pull'}]}");
        admitted("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'x','env':[{'name':'E','valueFrom':"
                + "{'secretKeyRef':{'name':'allowed','key':'k'}}}]}],'volumes':[{'name':'s','secret':{'secretName':'allowed'}}]}}");
        assertEquals("pods \"p\" is forbidden: volume with secret.secretName=\"other\" is not allowed because service"
                + " account default does not reference that secret", assertThrows(StatusException.class, () -> admitted(
                "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'x'}],'volumes':[{'name':'s',"
                        + "'secret':{'secretName':'other'}}]}}")).getMessage());
        assertEquals("pods \"p\" is forbidden: init container i with envVar E referencing secret.secretName=\"other\" is"
                + " not allowed because service account default does not reference that secret",
                assertThrows(StatusException.class, () -> admitted("{'metadata':{'name':'p'},'spec':{'initContainers':"
                        + "[{'name':'i','image':'x','env':[{'name':'E','valueFrom':{'secretKeyRef':{'name':'other','key':'k'}}}]}],"
                        + "'containers':[{'name':'a','image':'x'}]}}")).getMessage());
        assertEquals("pods \"p\" is forbidden: imagePullSecrets[1].name=\"other\" is not allowed because service account"
                + " default does not reference that imagePullSecret", assertThrows(StatusException.class, () -> admitted(
                "{'metadata':{'name':'p'},'spec':{'imagePullSecrets':[{'name':'pull'},{'name':'other'}],"
                        + "'containers':[{'name':'a','image':'x'}]}}")).getMessage());

        account("ns", "{'metadata':{'name':'lax','annotations':{'kubernetes.io/enforce-mountable-secrets':'yes'}}}");
        admitted("{'metadata':{'name':'p'},'spec':{'serviceAccountName':'lax','containers':[{'name':'a','image':'x'}],"
                + "'volumes':[{'name':'s','secret':{'secretName':'other'}}]}}");
    }

    @Test
    void mirrorPodsAreLeftAloneButMayNotReferenceAccountsOrSecrets() {
        ObjectNode mirror = admitted("{'metadata':{'name':'m','annotations':{'kubernetes.io/config.mirror':'x'}},"
                + "'spec':{'containers':[{'name':'a','image':'x'}]}}");
        assertFalse(mirror.path("spec").has("serviceAccountName"));
        assertFalse(mirror.path("spec").has("volumes"));
        assertEquals(0, lookups);
        assertEquals("pods \"m\" is forbidden: a mirror pod may not reference service accounts",
                assertThrows(StatusException.class, () -> admitted("{'metadata':{'name':'m','annotations':"
                        + "{'kubernetes.io/config.mirror':'x'}},'spec':{'serviceAccountName':'default','containers':[]}}"))
                        .getMessage());
        assertEquals("pods \"m\" is forbidden: a mirror pod may not reference secrets",
                assertThrows(StatusException.class, () -> admitted("{'metadata':{'name':'m','annotations':"
                        + "{'kubernetes.io/config.mirror':'x'}},'spec':{'containers':[{'name':'a','image':'x','envFrom':"
                        + "[{'secretRef':{'name':'s'}}]}]}}")).getMessage());
        assertEquals("pods \"m\" is forbidden: a mirror pod may not use ServiceAccountToken volume projections",
                assertThrows(StatusException.class, () -> admitted("{'metadata':{'name':'m','annotations':"
                        + "{'kubernetes.io/config.mirror':'x'}},'spec':{'containers':[],'volumes':[{'name':'t','projected':"
                        + "{'sources':[{'serviceAccountToken':{'path':'t'}}]}}]}}")).getMessage());
    }

    @Test
    void otherResourcesAndSubresourcesAreIgnored() {
        ObjectNode pod = json("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'x'}]}}");
        plugin.admit(new Attributes(Attributes.Operation.CREATE, "", "pods", "ephemeralcontainers", "ns", "p", pod, null,
                null, false));
        plugin.admit(new Attributes(Attributes.Operation.CREATE, "", "podtemplates", "", "ns", "p", pod, null, null, false));
        assertFalse(pod.path("spec").has("serviceAccountName"));
        assertEquals(0, lookups);
    }
}
