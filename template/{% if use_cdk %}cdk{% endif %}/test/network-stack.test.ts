import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { config, environments, resourcesOf, templatesOf } from './support';

describe.each(environments.map((environment) => [environment.name, environment] as const))(
  'network (%s)',
  (_name, environment) => {
    const { names } = environment;

    describe.runIf(config.vpcMode === 'create')('created VPC', () => {
      const template = () => {
        const { network } = templatesOf(environment);
        if (network === undefined) {
          throw new Error('vpc_mode create must produce a network stack');
        }
        return network;
      };

      it('spans the three named AZs with public and private subnets and NAT', () => {
        template().hasResourceProperties('AWS::EC2::VPC', {
          CidrBlock: config.vpcCidr,
          Tags: Match.arrayWith([{ Key: 'Name', Value: names.vpc }]),
        });
        const azs = config.availabilityZones ?? [];
        expect(azs).toHaveLength(3);
        const subnets = Object.values(resourcesOf(template(), 'AWS::EC2::Subnet'));
        expect(subnets.filter((subnet) => subnet.Properties.MapPublicIpOnLaunch === true)).toHaveLength(3);
        expect(subnets.filter((subnet) => subnet.Properties.MapPublicIpOnLaunch === false)).toHaveLength(3);
        expect(new Set(subnets.map((subnet) => subnet.Properties.AvailabilityZone))).toEqual(new Set(azs));
        // One NAT gateway per AZ in prod (an AZ outage keeps egress), one elsewhere: as the Terraform.
        template().resourceCountIs('AWS::EC2::NatGateway', environment.isProd ? 3 : 1);
      });

      it('sends all flow logs to the computed log group', () => {
        template().hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
        template().hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: names.flowLogGroup,
          RetentionInDays: environment.logRetentionDays,
        });
      });

      it('matches the snapshot', () => {
        expect(template().toJSON()).toMatchSnapshot();
      });
    });

    describe.runIf(config.vpcMode === 'existing')('existing VPC', () => {
      it('creates no network and places tasks in the given private subnets', () => {
        const templates = templatesOf(environment);
        expect(templates.network).toBeUndefined();
        templates.service.hasResourceProperties('AWS::ECS::Service', {
          NetworkConfiguration: {
            AwsvpcConfiguration: Match.objectLike({ Subnets: [...(config.existingVpc?.privateSubnetIds ?? [])] }),
          },
        });
        templates.service.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
          Subnets: [...(config.existingVpc?.publicSubnetIds ?? [])],
        });
        templates.service.hasResourceProperties('AWS::EC2::SecurityGroup', {
          GroupName: names.serviceSecurityGroup,
          VpcId: config.existingVpc?.vpcId,
        });
      });
    });
  },
);
