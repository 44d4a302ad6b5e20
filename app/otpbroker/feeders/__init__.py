"""Message-broker consumers: RabbitMQ, WSMessageBroker and MQTT, on one shared base."""
